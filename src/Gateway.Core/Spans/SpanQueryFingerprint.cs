using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Gateway.Spans;

/// <summary>
/// A hash of everything that decides which spans a query selects and in what order (not the page
/// size, which may change between pages), so a page token works only for the query that made it.
/// </summary>
internal static class SpanQueryFingerprint
{
    public static byte[] Compute(SpanQuery q, string projectFqn)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStringValue(projectFqn);
            w.WriteNumberValue(q.StartNs);
            if (q.EndNs is long end) w.WriteNumberValue(end); else w.WriteNullValue();
            w.WriteBooleanValue(q.Ascending);
            foreach (var list in (ReadOnlySpan<IReadOnlyList<string>>)[q.TraceIds, q.SpanIds, q.ParentSpanIds, q.CreatedBySubjectTypes, q.CreatedBySubjectSlugs, q.ApplicationNames])
            {
                w.WriteStartArray();
                foreach (var s in list) w.WriteStringValue(s);
                w.WriteEndArray();
            }
            foreach (var f in q.Filters)
            {
                w.WriteStartArray();
                w.WriteNumberValue((int)f.Target);
                w.WriteStringValue(f.Key);
                w.WriteNumberValue((int)f.Operator);
                foreach (var v in f.Values) SpanJson.WriteValue(w, v);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        return SHA256.HashData(buffer.WrittenSpan);
    }
}
