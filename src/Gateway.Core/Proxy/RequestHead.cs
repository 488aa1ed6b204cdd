using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Proxy;

/// <summary>
/// The few top-level fields of a request body the gateway needs, read with one
/// <see cref="Utf8JsonReader"/> pass that also validates the whole document (DESIGN.md decision 1).
/// </summary>
internal struct RequestHead
{
    public string? Model;
    /// <summary>Offset and length, in the body, of the model value including its quotes.</summary>
    public int ModelTokenStart;
    public int ModelTokenLength;
    public bool Stream;
    public bool IncludeUsage;
    public long? MaxTokens;
    public double? Temperature;
    public double? TopP;
    public int? N;

    /// <summary>Reads the head; on invalid input returns false and the error to send.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out RequestHead head, out GatewayError? error)
    {
        head = default;
        error = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = GatewayError.InvalidJson("the body must be a JSON object");
                return false;
            }
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject) break;
                // At depth 1 every token here is a property name.
                var name = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                if (escaped)
                {
                    // Escaped property names are legal JSON but never used by clients for these keys; skip them.
                    reader.Skip();
                    continue;
                }
                if (name.SequenceEqual("model"u8))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = GatewayError.InvalidField("model", "'model' must be a string.");
                        return false;
                    }
                    if (!JsonText.TryGetString(ref reader, out head.Model))
                    {
                        error = GatewayError.InvalidField("model", "'model' must be valid UTF-8 text without lone surrogates.");
                        return false;
                    }
                    head.ModelTokenStart = (int)reader.TokenStartIndex;
                    head.ModelTokenLength = reader.ValueSpan.Length + 2;
                }
                else if (name.SequenceEqual("stream"u8))
                {
                    if (!TryBool(ref reader, "stream", out head.Stream, out error)) return false;
                }
                else if (name.SequenceEqual("stream_options"u8))
                {
                    if (reader.TokenType == JsonTokenType.Null) continue;
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        error = GatewayError.InvalidField("stream_options", "'stream_options' must be an object.");
                        return false;
                    }
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isUsage = reader.ValueTextEquals("include_usage"u8);
                        reader.Read();
                        if (isUsage)
                        {
                            if (!TryBool(ref reader, "stream_options.include_usage", out head.IncludeUsage, out error)) return false;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else if (name.SequenceEqual("max_tokens"u8) || name.SequenceEqual("max_completion_tokens"u8))
                {
                    if (reader.TokenType == JsonTokenType.Null) continue;
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var max) || max < 0)
                    {
                        error = GatewayError.InvalidField(System.Text.Encoding.UTF8.GetString(name), $"'{System.Text.Encoding.UTF8.GetString(name)}' must be a non-negative integer.");
                        return false;
                    }
                    head.MaxTokens = max;
                }
                else if (name.SequenceEqual("temperature"u8))
                {
                    if (!TryNumber(ref reader, "temperature", out head.Temperature, out error)) return false;
                }
                else if (name.SequenceEqual("top_p"u8))
                {
                    if (!TryNumber(ref reader, "top_p", out head.TopP, out error)) return false;
                }
                else if (name.SequenceEqual("n"u8))
                {
                    if (reader.TokenType == JsonTokenType.Null) continue;
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var n) || n < 1)
                    {
                        error = GatewayError.InvalidField("n", "'n' must be a positive integer.");
                        return false;
                    }
                    head.N = n;
                }
                else
                {
                    reader.Skip();
                }
            }
            // Anything after the closing brace other than whitespace is invalid; the reader reports it.
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            error = GatewayError.InvalidJson(e.Message);
            return false;
        }
        if (head.Model is null)
        {
            error = GatewayError.MissingField("model");
            return false;
        }
        return true;
    }

    private static bool TryBool(ref Utf8JsonReader reader, string field, out bool value, out GatewayError? error)
    {
        error = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.True: value = true; return true;
            case JsonTokenType.False or JsonTokenType.Null: value = false; return true;
            default:
                value = false;
                error = GatewayError.InvalidField(field, $"'{field}' must be a boolean.");
                return false;
        }
    }

    private static bool TryNumber(ref Utf8JsonReader reader, string field, out double? value, out GatewayError? error)
    {
        error = null;
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var d))
        {
            error = GatewayError.InvalidField(field, $"'{field}' must be a number.");
            return false;
        }
        value = d;
        return true;
    }
}
