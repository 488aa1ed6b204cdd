using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Inserts rows into <c>spans</c> with one prepared statement: ids as bytes, kind and status as numbers,
/// shared strings as <c>span_strings</c> ids (<see cref="SpanStoreSchema"/>). The writer thread's alone.
/// </summary>
internal sealed class SpanRowWriter : IDisposable
{
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _start, _duration, _trace, _span, _parent, _name, _kind, _status, _statusMessage,
        _project, _subjectType, _subjectSlug, _application, _attributes, _events, _metadata;
    private readonly SpanStringTable _strings;

    public SpanRowWriter(SqliteConnection writer)
    {
        _strings = new SpanStringTable(writer);
        _insert = writer.CreateCommand();
        _insert.CommandText = SpanStoreSchema.Insert;
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
        _attributes = _insert.Parameters.Add("$attributes", SqliteType.Text);
        _events = _insert.Parameters.Add("$events", SqliteType.Text);
        _metadata = _insert.Parameters.Add("$metadata", SqliteType.Text);
    }

    public void Insert(SpanRecord r, SqliteTransaction transaction)
    {
        _start.Value = r.StartTimeNs;
        _duration.Value = r.DurationNs;
        _trace.Value = Convert.FromHexString(r.TraceId);
        _span.Value = Convert.FromHexString(r.SpanId);
        _parent.Value = Convert.FromHexString(r.ParentSpanId);
        _name.Value = _strings.Id(r.Name, transaction);
        _kind.Value = SpanCodes.Kind(r.Kind);
        _status.Value = SpanCodes.Status(r.StatusCode);
        _statusMessage.Value = (object?)r.StatusMessage ?? DBNull.Value;
        _project.Value = _strings.Id(r.ProjectFqn, transaction);
        _subjectType.Value = r.SubjectType is null ? DBNull.Value : _strings.Id(r.SubjectType, transaction);
        _subjectSlug.Value = r.SubjectSlug is null ? DBNull.Value : _strings.Id(r.SubjectSlug, transaction);
        _application.Value = _strings.Id(r.ApplicationName, transaction);
        _attributes.Value = r.AttributesJson;
        _events.Value = (object?)r.EventsJson ?? DBNull.Value;
        _metadata.Value = (object?)r.MetadataJson ?? DBNull.Value;
        _insert.Transaction = transaction;
        _insert.ExecuteNonQuery();
    }

    /// <inheritdoc cref="SpanStringTable.Committed"/>
    public void Committed() => _strings.Committed();

    /// <inheritdoc cref="SpanStringTable.RolledBack"/>
    public void RolledBack()
    {
        _insert.Transaction = null;
        _strings.RolledBack();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _strings.Dispose();
    }
}
