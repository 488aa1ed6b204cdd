using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Spans;

/// <summary>
/// Inserts an encoded batch (<see cref="SpanBatchEncoder"/>) on the store's writer thread: its new
/// <c>span_strings</c> rows, then its spans, each through one prepared statement bound by position.
/// Microsoft.Data.Sqlite's command boxed every value and looked every parameter up by name, per row
/// (bench/spans/RESULTS.md, issue #11).
/// </summary>
internal sealed class SpanRowWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _insertRow;
    private readonly sqlite3_stmt _insertString;
    /// <summary>Strings of rolled-back batches: later rows use their ids, so the next transaction inserts them.</summary>
    private readonly List<(long Id, string Value)> _uncommitted = [];

    public SpanRowWriter(SqliteConnection writer)
    {
        _connection = writer;
        Check(raw.sqlite3_prepare_v2(writer.Handle, SpanStoreSchema.Insert, out _insertRow));
        Check(raw.sqlite3_prepare_v2(writer.Handle, SpanStoreSchema.InsertString, out _insertString));
    }

    /// <summary>The next row id: the encoder gives ids from it on.</summary>
    public static long NextId(SqliteConnection connection)
    {
        using var max = connection.CreateCommand();
        max.CommandText = SpanStoreSchema.MaxId;
        return (max.ExecuteScalar() is long id ? id : 0) + 1;
    }

    /// <summary>Inserts the batch in the open transaction; the caller commits, then calls <see cref="Committed"/>, or rolls back and calls <see cref="RolledBack"/>.</summary>
    /// <param name="cancel">Shutdown gave up waiting: stop between rows (the caller rolls back).</param>
    public void Write(SpanBatch batch, CancellationToken cancel)
    {
        foreach (var (id, value) in _uncommitted) InsertString(id, value);
        foreach (var (id, value) in batch.Strings) InsertString(id, value);
        foreach (var row in batch.Rows)
        {
            cancel.ThrowIfCancellationRequested();
            Insert(row);
        }
    }

    public void Committed() => _uncommitted.Clear();

    public void RolledBack(SpanBatch batch) => _uncommitted.AddRange(batch.Strings);

    private void InsertString(long id, string value)
    {
        raw.sqlite3_bind_int64(_insertString, 1, id);
        raw.sqlite3_bind_text(_insertString, 2, value);
        Step(_insertString);
    }

    private void Insert(SpanRow r)
    {
        var s = _insertRow;
        raw.sqlite3_bind_int64(s, 1, r.Id);
        raw.sqlite3_bind_int64(s, 2, r.StartTimeNs);
        raw.sqlite3_bind_int64(s, 3, r.DurationNs);
        raw.sqlite3_bind_blob(s, 4, r.TraceId);
        raw.sqlite3_bind_blob(s, 5, r.SpanId);
        raw.sqlite3_bind_blob(s, 6, r.ParentSpanId);
        raw.sqlite3_bind_int64(s, 7, r.NameId);
        raw.sqlite3_bind_int64(s, 8, r.Kind);
        raw.sqlite3_bind_int64(s, 9, r.Status);
        BindText(s, 10, r.StatusMessage);
        raw.sqlite3_bind_int64(s, 11, r.ProjectId);
        BindId(s, 12, r.SubjectTypeId);
        BindId(s, 13, r.SubjectSlugId);
        raw.sqlite3_bind_int64(s, 14, r.ApplicationId);
        raw.sqlite3_bind_blob(s, 15, r.Blob.Span);
        BindId(s, 16, r.DonorDelta);
        BindText(s, 17, r.MetadataJson);
        Step(s);
    }

    private static void BindText(sqlite3_stmt s, int index, string? text)
    {
        if (text is null) raw.sqlite3_bind_null(s, index);
        else raw.sqlite3_bind_text(s, index, text);
    }

    private static void BindId(sqlite3_stmt s, int index, long? value)
    {
        if (value is long v) raw.sqlite3_bind_int64(s, index, v);
        else raw.sqlite3_bind_null(s, index);
    }

    private void Step(sqlite3_stmt s)
    {
        var rc = raw.sqlite3_step(s);
        raw.sqlite3_reset(s);
        if (rc != raw.SQLITE_DONE) throw Error(rc);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw Error(rc);
    }

    private SqliteException Error(int rc) => new(raw.sqlite3_errmsg(_connection.Handle).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_connection.Handle));

    public void Dispose()
    {
        _insertRow.Dispose();
        _insertString.Dispose();
    }
}
