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
            var seen = 0;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject) break;
                // At depth 1 every token here is a property name.
                var key = KeyOf(ref reader);
                reader.Read();
                if (key == Key.Other)
                {
                    reader.Skip();
                    continue;
                }
                // The gateway routes, prices and authorizes on these values; an upstream that takes another
                // occurrence than ours would run something else. Names are compared unescaped, so
                // "m\u006fdel" is "model" here as it is upstream.
                var bit = 1 << (int)key;
                if ((seen & bit) != 0)
                {
                    error = Duplicate(s_keyNames[(int)key]);
                    return false;
                }
                seen |= bit;
                switch (key)
                {
                    case Key.Model:
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
                        break;
                    case Key.Stream:
                        if (!TryBool(ref reader, "stream", out head.Stream, out error)) return false;
                        break;
                    case Key.StreamOptions:
                        if (!TryStreamOptions(ref reader, ref head, out error)) return false;
                        break;
                    case Key.MaxTokens or Key.MaxCompletionTokens:
                        if (reader.TokenType == JsonTokenType.Null) break;
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var max) || max < 0)
                        {
                            var name = s_keyNames[(int)key];
                            error = GatewayError.InvalidField(name, $"'{name}' must be a non-negative integer.");
                            return false;
                        }
                        head.MaxTokens = max;
                        break;
                    case Key.Temperature:
                        if (!TryNumber(ref reader, "temperature", out head.Temperature, out error)) return false;
                        break;
                    case Key.TopP:
                        if (!TryNumber(ref reader, "top_p", out head.TopP, out error)) return false;
                        break;
                    case Key.N:
                        if (reader.TokenType == JsonTokenType.Null) break;
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var n) || n < 1)
                        {
                            error = GatewayError.InvalidField("n", "'n' must be a positive integer.");
                            return false;
                        }
                        head.N = n;
                        break;
                    default:
                        // Read for spans and guardrails (messages, prompt, input): only their uniqueness matters here.
                        reader.Skip();
                        break;
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

    private static bool TryStreamOptions(ref Utf8JsonReader reader, ref RequestHead head, out GatewayError? error)
    {
        error = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = GatewayError.InvalidField("stream_options", "'stream_options' must be an object.");
            return false;
        }
        var seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = JsonText.TextEquals(ref reader, "include_usage"u8);
            reader.Read();
            if (!isUsage)
            {
                reader.Skip();
                continue;
            }
            if (seen)
            {
                error = Duplicate("stream_options.include_usage");
                return false;
            }
            seen = true;
            if (!TryBool(ref reader, "stream_options.include_usage", out head.IncludeUsage, out error)) return false;
        }
        return true;
    }

    private static GatewayError Duplicate(string key) =>
        GatewayError.InvalidJson($"the key '{key}' appears more than once") with { Param = key };

    /// <summary>The top-level keys the gateway reads; the order matches <see cref="s_keyNames"/>.</summary>
    private enum Key
    {
        Other,
        Model,
        Stream,
        StreamOptions,
        MaxTokens,
        MaxCompletionTokens,
        Temperature,
        TopP,
        N,
        Messages,
        Prompt,
        Input,
    }

    private static readonly string[] s_keyNames =
        ["", "model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "messages", "prompt", "input"];

    /// <summary>Which key the current property name is, unescaped first when it was sent with escapes.</summary>
    private static Key KeyOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return KeyOf(reader.ValueSpan);
        // "max_completion_tokens", 21 bytes, is the longest key read: a longer name (or one with a lone surrogate) is none of them.
        Span<byte> name = stackalloc byte[21];
        return JsonText.TryCopyUnescaped(ref reader, name, out var length) ? KeyOf(name[..length]) : Key.Other;
    }

    private static Key KeyOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        1 when name[0] == (byte)'n' => Key.N,
        5 when name.SequenceEqual("model"u8) => Key.Model,
        5 when name.SequenceEqual("input"u8) => Key.Input,
        5 when name.SequenceEqual("top_p"u8) => Key.TopP,
        6 when name.SequenceEqual("stream"u8) => Key.Stream,
        6 when name.SequenceEqual("prompt"u8) => Key.Prompt,
        8 when name.SequenceEqual("messages"u8) => Key.Messages,
        10 when name.SequenceEqual("max_tokens"u8) => Key.MaxTokens,
        11 when name.SequenceEqual("temperature"u8) => Key.Temperature,
        14 when name.SequenceEqual("stream_options"u8) => Key.StreamOptions,
        21 when name.SequenceEqual("max_completion_tokens"u8) => Key.MaxCompletionTokens,
        _ => Key.Other,
    };

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
