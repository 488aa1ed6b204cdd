using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Routing;

/// <summary>
/// A target's <c>override_params</c>, prepared once at config load for the one-copy body rewrite:
/// the raw names to match top-level keys, the JSON-encoded names to insert missing ones, and the
/// values as JSON text.
/// </summary>
internal sealed class OverrideParams
{
    public OverrideParams(IReadOnlyList<KeyValuePair<string, byte[]>> fields)
    {
        Count = fields.Count;
        Names = new byte[Count][];
        QuotedNames = new byte[Count][];
        Values = new byte[Count][];
        for (var i = 0; i < Count; i++)
        {
            var (name, value) = fields[i];
            Names[i] = Encoding.UTF8.GetBytes(name);
            QuotedNames[i] = [(byte)'"', .. JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes, (byte)'"'];
            Values[i] = value;
            if (name == "max_tokens" || name == "max_completion_tokens") MaxTokens = ReadNumber(value) is double d ? (long)d : MaxTokens;
            else if (name == "temperature") Temperature = ReadNumber(value) ?? Temperature;
        }
    }

    public static OverrideParams? From(IReadOnlyList<KeyValuePair<string, byte[]>> fields) => fields.Count == 0 ? null : new OverrideParams(fields);

    public int Count { get; }
    /// <summary>Field names as UTF-8 (unescaped), compared with <see cref="OpenAI.JsonText.TextEquals"/>.</summary>
    public byte[][] Names { get; }
    /// <summary>Field names as JSON strings, quotes included.</summary>
    public byte[][] QuotedNames { get; }
    public byte[][] Values { get; }
    /// <summary>The overridden max_tokens (for the fallbackRequest span), if any.</summary>
    public long? MaxTokens { get; }
    public double? Temperature { get; }

    private static double? ReadNumber(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) ? d : null;
    }
}
