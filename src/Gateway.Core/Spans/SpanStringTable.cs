using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// The encoder's side of <c>span_strings</c>: the id of each string the store has, so a span's project,
/// subject, application and name, its attribute keys and the values many spans carry cost a varint, not
/// their text. It gives new strings their ids itself (the next after the largest) and hands them to the
/// writer with the batch that first uses them (<see cref="TakeAdded"/>); the writer inserts them in the
/// same transaction, and carries those of a failed transaction into the next, so an id in a committed row
/// always has its string. Used only by the encoder thread.
/// </summary>
internal sealed class SpanStringTable
{
    /// <summary>
    /// Strings the table takes for attribute keys, shapes, event names and interned values, at most: the
    /// gateway's keys are a few hundred, but a key is any string a span carries, and the table is held in memory.
    /// </summary>
    internal const int MaxOptional = 65_536;
    /// <summary>A value gets an id once this many traces in a row of recent ones carried it: a model name or a URL soon, a response id never.</summary>
    internal const int InternAfterTraces = 3;
    /// <summary>Values being counted at most; past it the count starts over (values in wide use come back at once).</summary>
    private const int MaxCandidates = 8192;

    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (UInt128 Trace, int Traces)> _candidates = new(StringComparer.Ordinal);
    private readonly List<(long Id, string Value)> _added = [];
    private readonly int _maxOptional;
    private long _nextId;

    private SpanStringTable(int maxOptional) => _maxOptional = maxOptional;

    /// <summary>The table as the file has it.</summary>
    /// <param name="maxOptional">Strings the table takes for keys and interned values, at most (tests pass a small one).</param>
    public static SpanStringTable Load(SqliteConnection connection, int maxOptional = MaxOptional)
    {
        var table = new SpanStringTable(maxOptional);
        using var read = connection.CreateCommand();
        read.CommandText = SpanStoreSchema.Strings;
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            table._ids[reader.GetString(1)] = id;
            table._nextId = Math.Max(table._nextId, id);
        }
        table._nextId++;
        return table;
    }

    /// <summary>A key's id, added when new while the table has room; 0 when it has none (the blob then spells the key out).</summary>
    public long OptionalId(string value) =>
        _ids.TryGetValue(value, out var id) ? id : _ids.Count < _maxOptional ? Id(value) : 0;

    /// <summary>
    /// A value's id when it has one, or gets one now because it was seen in <see cref="InternAfterTraces"/>
    /// different traces; 0 when it has none (the blob then holds the text).
    /// </summary>
    public long InternedId(string value, UInt128 trace) => InternedId(value, value, trace);

    /// <summary>The same for text in a buffer (a span's shape, <see cref="SpanBlobWriter"/>): a string is made only when the text is new.</summary>
    public long InternedId(ReadOnlySpan<char> value, UInt128 trace) => InternedId(value, null, trace);

    private long InternedId(ReadOnlySpan<char> value, string? instance, UInt128 trace)
    {
        if (_ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(value, out var id)) return id;
        if (_ids.Count >= _maxOptional) return 0;
        var candidates = _candidates.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!candidates.TryGetValue(value, out var seen))
        {
            if (_candidates.Count >= MaxCandidates) _candidates.Clear();
            _candidates.Add(instance ?? value.ToString(), (trace, 1));
            return 0;
        }
        if (seen.Trace == trace) return 0;
        if (seen.Traces + 1 < InternAfterTraces)
        {
            candidates[value] = (trace, seen.Traces + 1);
            return 0;
        }
        candidates.Remove(value, out var key, out _);
        return Id(key!);
    }

    /// <summary>The string's id, given now when new.</summary>
    public long Id(string value)
    {
        if (_ids.TryGetValue(value, out var id)) return id;
        id = _nextId++;
        _ids.Add(value, id);
        _added.Add((id, value));
        return id;
    }

    /// <summary>Moves the strings given ids since the last call into <paramref name="batch"/>: the writer inserts them with its rows.</summary>
    public void TakeAdded(List<(long Id, string Value)> batch)
    {
        batch.AddRange(_added);
        _added.Clear();
    }
}
