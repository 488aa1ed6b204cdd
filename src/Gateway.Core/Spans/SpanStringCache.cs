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
