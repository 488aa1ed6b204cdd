using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Spans;

/// <summary>
/// Writes a batch of rows into <c>spans</c>: ids as bytes, kind and status as numbers, shared strings as
/// <c>span_strings</c> ids, attributes and events as a blob (<see cref="SpanStoreSchema"/>). The writer
/// thread's alone.
/// </summary>
/// <remarks>
/// The batch is inserted in start order, with the ids the writer gives, and encoded in the reverse order:
/// each row may take text from a row of its trace and project that starts no earlier and is inserted after
/// it (its donor). Both retention orders (start time, id) then delete a row before its donor, so no row
/// points into a deleted one. In the gateway's traces the root span takes the request and response text
/// from the model span, the span that ends first and captures them in full.
/// The insert is one statement prepared through SQLitePCL and bound by position: Microsoft.Data.Sqlite's
/// command boxed every value and looked every parameter up by name, per row (bench/spans/RESULTS.md, issue #11).
/// </remarks>
internal sealed class SpanRowWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _insert;
    private readonly SpanStringTable _strings;
    private readonly SpanBlobWriter _blobs;
    private readonly ArrayBufferWriter<byte> _encoded = new(64 * 1024);
    private readonly List<SpanRow> _order = [];
    private readonly Dictionary<SpanRow, int> _position = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(UInt128 Trace, string Project), (List<SpanRow> Encoded, int Left)> _traces = [];
    private long _nextId;
    private long _batchFirstId;

    public SpanRowWriter(SqliteConnection writer)
    {
        _connection = writer;
        _strings = new SpanStringTable(writer);
        _blobs = new SpanBlobWriter(_strings);
        using (var max = writer.CreateCommand())
        {
            max.CommandText = SpanStoreSchema.MaxId;
            _nextId = (max.ExecuteScalar() is long id ? id : 0) + 1;
        }
        Check(raw.sqlite3_prepare_v2(writer.Handle, SpanStoreSchema.Insert, out _insert));
    }

    /// <summary>Encodes and inserts the rows in <paramref name="transaction"/>; the caller commits, then calls <see cref="Committed"/>.</summary>
    /// <param name="cancel">Shutdown gave up waiting: stop between rows (the caller rolls back).</param>
    public void Write(List<SpanRow> rows, SqliteTransaction transaction, CancellationToken cancel)
    {
        _order.Clear();
        _order.AddRange(rows);
        // Stable: rows that start in the same tick keep their queue order.
        _position.Clear();
        for (var i = 0; i < rows.Count; i++) _position[rows[i]] = i;
        _order.Sort((a, b) => a.StartTimeNs != b.StartTimeNs ? a.StartTimeNs.CompareTo(b.StartTimeNs) : _position[a].CompareTo(_position[b]));
        _batchFirstId = _nextId;
        _traces.Clear();
        foreach (var row in _order)
        {
            row.Id = _nextId++;
            ref var trace = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_traces, Key(row), out _);
            trace.Left++;
        }

        _encoded.ResetWrittenCount();
        for (var i = _order.Count - 1; i >= 0; i--)
        {
            cancel.ThrowIfCancellationRequested();
            var row = _order[i];
            ref var trace = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_traces, Key(row));
            trace.Encoded ??= [];
            trace.Left--;
            // A pool is worth keeping only while rows of its trace are still to be encoded.
            _blobs.Encode(row, Donor(trace.Encoded), transaction, _encoded, keepPool: trace.Left > 0);
            trace.Encoded.Add(row);
        }

        foreach (var row in _order)
        {
            cancel.ThrowIfCancellationRequested();
            Insert(row, transaction);
        }
    }

    private static (UInt128, string) Key(SpanRow row) => (BinaryPrimitives.ReadUInt128BigEndian(row.TraceId), row.ProjectFqn);

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
        var s = _insert;
        raw.sqlite3_bind_int64(s, 1, r.Id);
        raw.sqlite3_bind_int64(s, 2, r.StartTimeNs);
        raw.sqlite3_bind_int64(s, 3, r.DurationNs);
        raw.sqlite3_bind_blob(s, 4, r.TraceId);
        raw.sqlite3_bind_blob(s, 5, r.SpanId);
        raw.sqlite3_bind_blob(s, 6, r.ParentSpanId);
        raw.sqlite3_bind_int64(s, 7, _strings.Id(r.Name, transaction));
        raw.sqlite3_bind_int64(s, 8, r.Kind);
        raw.sqlite3_bind_int64(s, 9, r.Status);
        BindText(10, r.StatusMessage);
        raw.sqlite3_bind_int64(s, 11, _strings.Id(r.ProjectFqn, transaction));
        BindId(12, r.SubjectType, transaction);
        BindId(13, r.SubjectSlug, transaction);
        raw.sqlite3_bind_int64(s, 14, _strings.Id(r.ApplicationName, transaction));
        raw.sqlite3_bind_blob(s, 15, r.Blob.Span);
        if (r.DonorDelta is long delta) raw.sqlite3_bind_int64(s, 16, delta);
        else raw.sqlite3_bind_null(s, 16);
        BindText(17, r.MetadataJson);
        var rc = raw.sqlite3_step(s);
        raw.sqlite3_reset(s);
        if (rc != raw.SQLITE_DONE) throw Error(rc);
    }

    private void BindText(int index, string? text)
    {
        if (text is null) raw.sqlite3_bind_null(_insert, index);
        else raw.sqlite3_bind_text(_insert, index, text);
    }

    private void BindId(int index, string? value, SqliteTransaction transaction)
    {
        if (value is null) raw.sqlite3_bind_null(_insert, index);
        else raw.sqlite3_bind_int64(_insert, index, _strings.Id(value, transaction));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw Error(rc);
    }

    private SqliteException Error(int rc) => new(raw.sqlite3_errmsg(_connection.Handle).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_connection.Handle));

    /// <inheritdoc cref="SpanStringTable.Committed"/>
    public void Committed() => _strings.Committed();

    /// <summary>The batch rolled back: its strings and its ids are free again.</summary>
    public void RolledBack()
    {
        _strings.RolledBack();
        _nextId = _batchFirstId;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _strings.Dispose();
    }
}
