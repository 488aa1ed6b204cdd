using System.Buffers.Binary;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Writes a batch of rows into <c>spans</c> with one prepared statement: ids as bytes, kind and status as
/// numbers, shared strings as <c>span_strings</c> ids, attributes and events as a blob (<see cref="SpanStoreSchema"/>).
/// The writer thread's alone.
/// </summary>
/// <remarks>
/// The batch is inserted in start order, with the ids the writer gives, and encoded in the reverse order:
/// each row may take text from a row of its trace and project that starts no earlier and is inserted after
/// it (its donor). Both retention orders (start time, id) then delete a row before its donor, so no row
/// points into a deleted one. In the gateway's traces the root span takes the request and response text
/// from the model span, the span that ends first and captures them in full.
/// </remarks>
internal sealed class SpanRowWriter : IDisposable
{
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _id, _start, _duration, _trace, _span, _parent, _name, _kind, _status, _statusMessage,
        _project, _subjectType, _subjectSlug, _application, _attributes, _donor, _metadata;
    private readonly SpanStringTable _strings;
    private readonly SpanBlobWriter _blobs;
    private readonly List<SpanRow> _order = [];
    private readonly Dictionary<(UInt128 Trace, string Project), List<SpanRow>> _traces = [];
    private long _nextId;
    private long _batchFirstId;

    public SpanRowWriter(SqliteConnection writer)
    {
        _strings = new SpanStringTable(writer);
        _blobs = new SpanBlobWriter(_strings);
        using (var max = writer.CreateCommand())
        {
            max.CommandText = SpanStoreSchema.MaxId;
            _nextId = (max.ExecuteScalar() is long id ? id : 0) + 1;
        }
        _insert = writer.CreateCommand();
        _insert.CommandText = SpanStoreSchema.Insert;
        _id = _insert.Parameters.Add("$id", SqliteType.Integer);
        _start = _insert.Parameters.Add("$start", SqliteType.Integer);
        _duration = _insert.Parameters.Add("$duration", SqliteType.Integer);
        _trace = _insert.Parameters.Add("$trace", SqliteType.Blob);
        _span = _insert.Parameters.Add("$span", SqliteType.Blob);
        _parent = _insert.Parameters.Add("$parent", SqliteType.Blob);
        _name = _insert.Parameters.Add("$name", SqliteType.Integer);
        _kind = _insert.Parameters.Add("$kind", SqliteType.Integer);
        _status = _insert.Parameters.Add("$status", SqliteType.Integer);
        _statusMessage = _insert.Parameters.Add("$statusMessage", SqliteType.Text);
        _project = _insert.Parameters.Add("$project", SqliteType.Integer);
        _subjectType = _insert.Parameters.Add("$subjectType", SqliteType.Integer);
        _subjectSlug = _insert.Parameters.Add("$subjectSlug", SqliteType.Integer);
        _application = _insert.Parameters.Add("$application", SqliteType.Integer);
        _attributes = _insert.Parameters.Add("$attributes", SqliteType.Blob);
        _donor = _insert.Parameters.Add("$donor", SqliteType.Integer);
        _metadata = _insert.Parameters.Add("$metadata", SqliteType.Text);
    }

    /// <summary>Encodes and inserts the rows in <paramref name="transaction"/>; the caller commits, then calls <see cref="Committed"/>.</summary>
    /// <param name="cancel">Shutdown gave up waiting: stop between rows (the caller rolls back).</param>
    public void Write(List<SpanRow> rows, SqliteTransaction transaction, CancellationToken cancel)
    {
        _order.Clear();
        _order.AddRange(rows);
        // Stable: rows that start in the same tick keep their queue order.
        var position = new Dictionary<SpanRow, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < rows.Count; i++) position[rows[i]] = i;
        _order.Sort((a, b) => a.StartTimeNs != b.StartTimeNs ? a.StartTimeNs.CompareTo(b.StartTimeNs) : position[a].CompareTo(position[b]));
        _batchFirstId = _nextId;
        foreach (var row in _order) row.Id = _nextId++;

        _traces.Clear();
        for (var i = _order.Count - 1; i >= 0; i--)
        {
            cancel.ThrowIfCancellationRequested();
            var row = _order[i];
            var key = (BinaryPrimitives.ReadUInt128BigEndian(row.TraceId), row.ProjectFqn);
            if (!_traces.TryGetValue(key, out var trace)) _traces[key] = trace = [];
            _blobs.Encode(row, Donor(trace), transaction);
            trace.Add(row);
        }

        _insert.Transaction = transaction;
        foreach (var row in _order)
        {
            cancel.ThrowIfCancellationRequested();
            Insert(row, transaction);
        }
    }

    /// <summary>The row of the trace (all start no earlier and are inserted later) with the most text to give.</summary>
    private static SpanRow? Donor(List<SpanRow> trace)
    {
        SpanRow? donor = null;
        foreach (var candidate in trace)
        {
            if (candidate.Pool.Length > (donor?.Pool.Length ?? 0)) donor = candidate;
        }
        return donor;
    }

    private void Insert(SpanRow r, SqliteTransaction transaction)
    {
        _id.Value = r.Id;
        _start.Value = r.StartTimeNs;
        _duration.Value = r.DurationNs;
        _trace.Value = r.TraceId;
        _span.Value = r.SpanId;
        _parent.Value = r.ParentSpanId;
        _name.Value = _strings.Id(r.Name, transaction);
        _kind.Value = r.Kind;
        _status.Value = r.Status;
        _statusMessage.Value = (object?)r.StatusMessage ?? DBNull.Value;
        _project.Value = _strings.Id(r.ProjectFqn, transaction);
        _subjectType.Value = r.SubjectType is null ? DBNull.Value : _strings.Id(r.SubjectType, transaction);
        _subjectSlug.Value = r.SubjectSlug is null ? DBNull.Value : _strings.Id(r.SubjectSlug, transaction);
        _application.Value = _strings.Id(r.ApplicationName, transaction);
        _attributes.Value = r.Blob;
        _donor.Value = r.DonorDelta is long delta ? delta : DBNull.Value;
        _metadata.Value = (object?)r.MetadataJson ?? DBNull.Value;
        _insert.ExecuteNonQuery();
    }

    /// <inheritdoc cref="SpanStringTable.Committed"/>
    public void Committed()
    {
        _insert.Transaction = null;
        _strings.Committed();
    }

    /// <summary>The batch rolled back: its strings and its ids are free again.</summary>
    public void RolledBack()
    {
        _insert.Transaction = null;
        _strings.RolledBack();
        _nextId = _batchFirstId;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _strings.Dispose();
    }
}
