using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>Runs a validated query on a read connection (a <see cref="SpanQueryRunner"/> thread's).</summary>
internal static class SpanQueryExecutor
{
    /// <param name="endNs">The window's end: the query's endTime, or the "now" pinned by the first page.</param>
    /// <param name="strings">The store's <c>span_strings</c> cache: the keys of the attribute blobs.</param>
    public static SpanQueryResult Execute(SqliteConnection connection, SpanQuery q, string projectFqn, long endNs, PageCursor? cursor, SpanStringCache strings)
    {
        using var command = connection.CreateCommand();
        SpanQuerySql.Build(command, q, projectFqn, endNs, cursor, q.Limit + 1);
        var spans = new List<SpanRecord>(Math.Min(q.Limit, 256));
        var more = false;
        var decoder = new Decoder(connection, strings);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (spans.Count == q.Limit)
                {
                    more = true;
                    break;
                }
                spans.Add(decoder.Read(reader));
            }
        }
        PageCursor? next = more ? new PageCursor(spans[^1].StartTimeNs, spans[^1].SpanId, endNs) : null;
        return new SpanQueryResult(spans, next);
    }

    /// <summary>Reads the columns of <see cref="SpanStoreSchema.SelectColumns"/>, in that order, with one query's buffers.</summary>
    private sealed class Decoder(SqliteConnection connection, SpanStringCache strings)
    {
        private readonly SpanBlobReader _blobs = new(strings, connection);
        private readonly ArrayBufferWriter<byte> _attributes = new(1024);
        private readonly ArrayBufferWriter<byte> _events = new(256);

        public SpanRecord Read(SqliteDataReader r)
        {
            var start = r.GetInt64(0);
            _attributes.ResetWrittenCount();
            _events.ResetWrittenCount();
            bool anyEvents;
            using (var attributes = new Utf8JsonWriter(_attributes, SpanJson.WriterOptions))
            using (var events = new Utf8JsonWriter(_events, SpanJson.WriterOptions))
            {
                var donor = r.IsDBNull(14) ? [] : r.GetFieldValue<byte[]>(14);
                anyEvents = _blobs.WriteJson(r.GetFieldValue<byte[]>(13), donor, start, attributes, events);
            }
            return new SpanRecord
            {
                StartTimeNs = start,
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
                AttributesJson = Encoding.UTF8.GetString(_attributes.WrittenSpan),
                EventsJson = anyEvents ? Encoding.UTF8.GetString(_events.WrittenSpan) : null,
            };
        }

        private static string Hex(SqliteDataReader r, int column) => Convert.ToHexStringLower(r.GetFieldValue<byte[]>(column));
    }
}
