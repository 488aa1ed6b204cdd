using System.Buffers;
using System.Text.Json;
using Gateway.Providers.Anthropic;

namespace Gateway.Providers;

/// <summary>
/// The mock's <c>/rerank</c> answer, deterministic: a document's score is the share of the query's words it
/// contains (case-insensitive), ties in input order; results best first, cut to <c>top_n</c>, in the
/// Jina / vLLM shape (<c>results[].index</c>, <c>relevance_score</c>, <c>document.text</c>, <c>usage</c>).
/// </summary>
internal static class MockRerank
{
    /// <returns>The body, or null with the reason when the request is not a rerank request.</returns>
    public static byte[]? Answer(ReadOnlySpan<byte> body, out string? error)
    {
        using var doc = JsonDocument.Parse(body.ToArray());
        var root = doc.RootElement;
        error = null;
        var query = TranslationJson.Str(root, "query");
        if (query is null || !root.TryGetProperty("documents", out var documents) || documents.ValueKind != JsonValueKind.Array)
        {
            error = "'query' (a string) and 'documents' (a list) are required";
            return null;
        }
        var texts = documents.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.String ? d.GetString()! : TranslationJson.Str(d, "text") ?? "").ToList();
        var words = Words(query);
        var ranked = texts
            .Select((text, index) => (Index: index, Text: text, Score: words.Count == 0 ? 0 : (double)Words(text).Intersect(words).Count() / words.Count))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Index)
            .Take(TranslationJson.Long(root, "top_n") is { } n and > 0 ? (int)Math.Min(n, int.MaxValue) : texts.Count);
        var tokens = words.Count + texts.Sum(t => Words(t).Count);
        var output = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(output, TranslationJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("id", "rerank-mock");
            w.WriteString("model", TranslationJson.Str(root, "model") ?? "");
            w.WriteStartArray("results");
            foreach (var r in ranked)
            {
                w.WriteStartObject();
                w.WriteNumber("index", r.Index);
                w.WriteNumber("relevance_score", Math.Round(r.Score, 6));
                w.WriteStartObject("document");
                w.WriteString("text", r.Text);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", tokens);
            w.WriteNumber("total_tokens", tokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static HashSet<string> Words(string text) =>
        text.Split([' ', '\t', '\n', '.', ',', '?', '!', ';', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
}
