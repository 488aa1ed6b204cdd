using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// The readers' side of <c>span_strings</c>: id to UTF-8, for the attribute keys and event names of the
/// blobs that queries decode. Rows are only ever added, so a snapshot never goes stale; an id past it is
/// new, and one load brings in everything added since. Shared by the query threads.
/// </summary>
internal sealed class SpanStringCache
{
    private readonly Lock _load = new();
    private byte[]?[] _utf8 = [];
    private readonly ConcurrentDictionary<long, long[]> _shapes = new();

    /// <summary>The key ids a shape stands for (<see cref="SpanBlobWriter"/>: the ids in decimal, joined by commas).</summary>
    public long[] Shape(long id, SqliteConnection connection)
    {
        if (_shapes.TryGetValue(id, out var keys)) return keys;
        var text = Utf8(id, connection).AsSpan();
        keys = new long[text.Count((byte)',') + 1];
        for (var i = 0; i < keys.Length; i++)
        {
            var end = text.IndexOf((byte)',');
            if (end < 0) end = text.Length;
            if (!System.Buffers.Text.Utf8Parser.TryParse(text[..end], out long key, out var used) || used != end || key <= 0)
            {
                throw new FormatException($"span blob: string {id} is not a shape");
            }
            keys[i] = key;
            text = text[Math.Min(end + 1, text.Length)..];
        }
        return _shapes.GetOrAdd(id, keys);
    }

    public byte[] Utf8(long id, SqliteConnection connection)
    {
        var snapshot = Volatile.Read(ref _utf8);
        if ((ulong)id < (ulong)snapshot.Length && snapshot[id] is { } known) return known;
        lock (_load)
        {
            snapshot = Volatile.Read(ref _utf8);
            if ((ulong)id >= (ulong)snapshot.Length || snapshot[id] is null) snapshot = Load(snapshot, connection);
        }
        return (ulong)id < (ulong)snapshot.Length && snapshot[id] is { } loaded
            ? loaded
            : throw new FormatException($"span blob: string id {id} is not in span_strings");
    }

    private byte[]?[] Load(byte[]?[] snapshot, SqliteConnection connection)
    {
        var added = new List<(long Id, byte[] Utf8)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = SpanStoreSchema.Strings + " WHERE id >= $from";
            command.Parameters.AddWithValue("$from", snapshot.Length);
            using var reader = command.ExecuteReader();
            while (reader.Read()) added.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
        }
        if (added.Count == 0) return snapshot;
        var next = new byte[]?[Math.Max(snapshot.Length, (int)added.Max(a => a.Id) + 1)];
        snapshot.CopyTo(next, 0);
        foreach (var (id, utf8) in added) next[id] = utf8;
        Volatile.Write(ref _utf8, next);
        return next;
    }
}
