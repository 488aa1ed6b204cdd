using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// The writer's side of <c>span_strings</c>: the id of each string it has stored, so a span's project,
/// subject, application and name, its attribute keys and the values many spans carry cost a varint, not
/// their text. Used only by the writer thread, inside its batch transaction: strings a failed batch added
/// are forgotten with it.
/// </summary>
internal sealed class SpanStringTable : IDisposable
{
    /// <summary>
    /// Strings the table takes for attribute keys, event names and interned values, at most: the gateway's
    /// keys are a few hundred, but a key is any string a span carries, and the writer holds the table in memory.
    /// </summary>
    internal const int MaxOptional = 65_536;
    /// <summary>A value gets an id once this many traces in a row of recent ones carried it: a model name or a URL soon, a response id never.</summary>
    internal const int InternAfterTraces = 3;
    /// <summary>Values being counted at most; past it the count starts over (values in wide use come back at once).</summary>
    private const int MaxCandidates = 8192;

    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (UInt128 Trace, int Traces)> _candidates = new(StringComparer.Ordinal);
    private readonly List<string> _added = [];
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _value;
    private readonly int _maxOptional;

    /// <param name="maxOptional">Strings the table takes for keys and interned values, at most (tests pass a small one).</param>
    public SpanStringTable(SqliteConnection writer, int maxOptional = MaxOptional)
    {
        _maxOptional = maxOptional;
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

    /// <summary>A key's id, added when new while the table has room; 0 when it has none (the blob then spells the key out).</summary>
    public long OptionalId(string value, SqliteTransaction transaction) =>
        _ids.TryGetValue(value, out var id) ? id : _ids.Count < _maxOptional ? Id(value, transaction) : 0;

    /// <summary>
    /// A value's id when it has one, or gets one now because it was seen in <see cref="InternAfterTraces"/>
    /// different traces; 0 when it has none (the blob then holds the text).
    /// </summary>
    public long InternedId(string value, UInt128 trace, SqliteTransaction transaction)
    {
        if (_ids.TryGetValue(value, out var id)) return id;
        if (_ids.Count >= _maxOptional) return 0;
        if (_candidates.Count >= MaxCandidates && !_candidates.ContainsKey(value)) _candidates.Clear();
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_candidates, value, out var counted);
        if (!counted || seen.Trace == trace)
        {
            seen = (trace, counted ? seen.Traces : 1);
            return 0;
        }
        seen = (trace, seen.Traces + 1);
        if (seen.Traces < InternAfterTraces) return 0;
        _candidates.Remove(value);
        return Id(value, transaction);
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
