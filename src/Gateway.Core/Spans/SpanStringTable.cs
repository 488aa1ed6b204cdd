using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// The writer's side of <c>span_strings</c>: the id of each string it has stored, so a span's project,
/// subject, application and name cost a lookup, not a row. Used only by the writer thread, inside its
/// batch transaction: strings a failed batch added are forgotten with it.
/// </summary>
internal sealed class SpanStringTable : IDisposable
{
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _added = [];
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _value;

    public SpanStringTable(SqliteConnection writer)
    {
        using (var read = writer.CreateCommand())
        {
            read.CommandText = SpanStoreSchema.Strings;
            using var reader = read.ExecuteReader();
            while (reader.Read()) _ids[reader.GetString(1)] = reader.GetInt64(0);
        }
        _insert = writer.CreateCommand();
        _insert.CommandText = SpanStoreSchema.InsertString + " RETURNING id";
        _value = _insert.Parameters.Add("$value", SqliteType.Text);
    }

    /// <summary>The string's id, added to the table (in the current transaction) when new.</summary>
    public long Id(string value, SqliteTransaction transaction)
    {
        if (_ids.TryGetValue(value, out var id)) return id;
        _insert.Transaction = transaction;
        _value.Value = value;
        id = (long)_insert.ExecuteScalar()!;
        _ids.Add(value, id);
        _added.Add(value);
        return id;
    }

    /// <summary>The batch committed: its new strings are in the file.</summary>
    public void Committed() => _added.Clear();

    /// <summary>The batch rolled back: its new strings are not in the file, so their ids mean nothing.</summary>
    public void RolledBack()
    {
        foreach (var value in _added) _ids.Remove(value);
        _added.Clear();
    }

    public void Dispose() => _insert.Dispose();
}
