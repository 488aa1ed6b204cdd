using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Guardrails;

/// <summary>
/// The message text of a request or an answer, read from its JSON without a model of it (DESIGN.md decision 1),
/// and put back by splicing: only the strings a guardrail rewrote change; every other byte stays as sent.
/// A string is text when the nearest property above it is one of the text keys: for requests <c>content</c>,
/// <c>text</c>, <c>prompt</c>, <c>input</c> and <c>system</c> (chat and Anthropic messages, their content parts,
/// completions, embeddings); for answers <c>content</c> and <c>text</c>. Tool definitions, response formats and
/// metadata are skipped whole.
/// </summary>
internal static class JsonTextParts
{
    public static List<TextPart> Read(ReadOnlySpan<byte> json, bool request)
    {
        var parts = new List<TextPart>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        // The owning property per depth: a string's owner is the last property name at its depth or, inside an
        // array, the property that owns the array.
        Span<bool> textOwner = stackalloc bool[130];
        var depth = 0;
        var pendingText = false;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (IsSkipped(ref reader))
                        {
                            reader.Read();
                            reader.Skip();
                            pendingText = false;
                            break;
                        }
                        pendingText = IsTextKey(ref reader, request);
                        break;
                    case JsonTokenType.StartArray:
                        depth++;
                        textOwner[depth] = pendingText;
                        pendingText = false;
                        break;
                    case JsonTokenType.StartObject:
                        depth++;
                        textOwner[depth] = false;
                        pendingText = false;
                        break;
                    case JsonTokenType.EndArray or JsonTokenType.EndObject:
                        depth--;
                        break;
                    case JsonTokenType.String:
                        var inTextArray = reader.CurrentDepth > 0 && textOwner[depth] && !pendingText && IsArrayItem(depth, textOwner);
                        if (pendingText || inTextArray)
                        {
                            var start = (int)reader.TokenStartIndex;
                            parts.Add(new TextPart(start, reader.ValueSpan.Length + 2, reader.GetString()!));
                        }
                        pendingText = false;
                        break;
                    default:
                        pendingText = false;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON the gateway understands: no text to check (the read stage already rejected bad request JSON).
        }
        return parts;
    }

    // Only arrays get a true owner flag (objects reset it), so a true flag at this depth means an array item.
    private static bool IsArrayItem(int depth, Span<bool> owners) => owners[depth];

    private static bool IsTextKey(ref Utf8JsonReader reader, bool request) =>
        reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) ||
        request && (reader.ValueTextEquals("prompt"u8) || reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("system"u8));

    private static bool IsSkipped(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8) || reader.ValueTextEquals("response_format"u8) ||
        reader.ValueTextEquals("tool_choice"u8) || reader.ValueTextEquals("metadata"u8) || reader.ValueTextEquals("tool_calls"u8);

    /// <summary>
    /// The body with part <c>i</c> replaced by <paramref name="values"/>[i] where they differ, into a buffer rented
    /// from the shared pool (the caller owns it); <paramref name="length"/> is the bytes written.
    /// </summary>
    public static byte[] Splice(ReadOnlySpan<byte> json, IReadOnlyList<TextPart> parts, IReadOnlyList<string> values, out int length)
    {
        var writer = new ArrayBufferWriter<byte>(json.Length + 256);
        var copied = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            if (ReferenceEquals(parts[i].Value, values[i]) || parts[i].Value == values[i]) continue;
            writer.Write(json[copied..parts[i].Start]);
            writer.Write("\""u8);
            writer.Write(JsonEncodedText.Encode(values[i], JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes);
            writer.Write("\""u8);
            copied = parts[i].Start + parts[i].Length;
        }
        writer.Write(json[copied..]);
        length = writer.WrittenCount;
        var array = ArrayPool<byte>.Shared.Rent(length);
        writer.WrittenSpan.CopyTo(array);
        return array;
    }

    /// <summary>Every string value of a JSON document (not property names), e.g. a tool call's arguments; null when it is not JSON.</summary>
    public static List<TextPart>? ReadStrings(ReadOnlySpan<byte> json)
    {
        var parts = new List<TextPart>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String) parts.Add(new TextPart((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2, reader.GetString()!));
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return parts;
    }

    public static IReadOnlyList<string> Values(List<TextPart> parts)
    {
        var values = new string[parts.Count];
        for (var i = 0; i < values.Length; i++) values[i] = parts[i].Value;
        return values;
    }
}
