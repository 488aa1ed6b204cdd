using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>Runs a validated query on a read connection (a <see cref="SpanQueryRunner"/> thread's).</summary>
internal static class SpanQueryExecutor
{
    /// <param name="endNs">The window's end: the query's endTime, or the "now" pinned by the first page.</param>
    public static SpanQueryResult Execute(SqliteConnection connection, SpanQuery q, string projectFqn, long endNs, PageCursor? cursor)
    {
        using var command = connection.CreateCommand();
        SpanQuerySql.Build(command, q, projectFqn, endNs, cursor, q.Limit + 1);
        var spans = new List<SpanRecord>(Math.Min(q.Limit, 256));
        var more = false;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (spans.Count == q.Limit)
                {
                    more = true;
                    break;
                }
                spans.Add(Read(reader));
            }
        }
        PageCursor? next = more ? new PageCursor(spans[^1].StartTimeNs, spans[^1].SpanId, endNs) : null;
        return new SpanQueryResult(spans, next);
    }

    /// <summary>Reads the columns of <see cref="SpanStoreSchema.SelectColumns"/>, in that order.</summary>
    private static SpanRecord Read(SqliteDataReader r) => new()
    {
        StartTimeNs = r.GetInt64(0),
        DurationNs = r.GetInt64(1),
        TraceId = Hex(r, 2),
        SpanId = Hex(r, 3),
        ParentSpanId = Hex(r, 4),
        Name = r.GetString(5),
        Kind = SpanCodes.KindName(r.GetInt64(6)),
        StatusCode = SpanCodes.StatusName(r.GetInt64(7)),
        StatusMessage = r.IsDBNull(8) ? null : r.GetString(8),
        ProjectFqn = r.GetString(9),
        SubjectType = r.IsDBNull(10) ? null : r.GetString(10),
        SubjectSlug = r.IsDBNull(11) ? null : r.GetString(11),
        ApplicationName = r.GetString(12),
        AttributesJson = r.GetString(13),
        EventsJson = r.IsDBNull(14) ? null : r.GetString(14),
    };

    private static string Hex(SqliteDataReader r, int column) => Convert.ToHexStringLower(r.GetFieldValue<byte[]>(column));
}
