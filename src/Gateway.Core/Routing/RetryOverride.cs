using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Routing;

/// <summary>
/// The <c>x-tfy-retry-config</c> header: <c>{"attempts":3,"delay":100,"onStatusCodes":[429,500,503]}</c>
/// (snake_case <c>on_status_codes</c> too; codes as numbers or strings). It replaces the retry
/// settings of every target of the request; fields it leaves out keep the configured value.
/// <c>attempts</c> counts retries after the first try, as in <c>retry_config</c>.
/// </summary>
internal sealed class RetryOverride
{
    public const string Header = "x-tfy-retry-config";
    public const int MaxAttempts = 10;
    public const int MaxDelayMs = 60_000;

    public int? Attempts { get; init; }
    public int? DelayMs { get; init; }
    public IReadOnlySet<int>? OnStatusCodes { get; init; }

    public static bool TryParse(string value, out RetryOverride? retry, out GatewayError? error)
    {
        retry = null;
        error = null;
        int? attempts = null, delay = null;
        HashSet<int>? codes = null;
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 4 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Fail("it must be a JSON object", out error);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!JsonText.TryGetString(ref reader, out var name)) return Fail(InvalidText, out error);
                reader.Read();
                switch (name)
                {
                    case "attempts":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var a) || a < 0 || a > MaxAttempts)
                            return Fail($"'attempts' must be an integer from 0 to {MaxAttempts} (retries after the first try)", out error);
                        attempts = a;
                        break;
                    case "delay" or "delay_ms" or "delayMs":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var d) || d < 0 || d > MaxDelayMs)
                            return Fail($"'delay' must be an integer number of milliseconds from 0 to {MaxDelayMs}", out error);
                        delay = d;
                        break;
                    case "onStatusCodes" or "on_status_codes":
                        if (reader.TokenType != JsonTokenType.StartArray) return Fail($"'{name}' must be an array of status codes", out error);
                        codes = [];
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            var code = 0;
                            string? text = null;
                            if (reader.TokenType == JsonTokenType.String && !JsonText.TryGetString(ref reader, out text)) return Fail(InvalidText, out error);
                            var ok = reader.TokenType switch
                            {
                                JsonTokenType.Number => reader.TryGetInt32(out code),
                                JsonTokenType.String => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out code),
                                _ => false,
                            };
                            if (!ok || code < 100 || code > 599) return Fail($"'{name}' must hold HTTP status codes (100-599)", out error);
                            codes.Add(code);
                        }
                        break;
                    default:
                        return Fail($"unknown field '{name}' (expected attempts, delay, onStatusCodes)", out error);
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return Fail("it must be a single JSON object", out error);
        }
        catch (JsonException e)
        {
            return Fail("invalid JSON: " + e.Message, out error);
        }
        retry = new RetryOverride { Attempts = attempts, DelayMs = delay, OnStatusCodes = codes };
        return true;
    }

    private const string InvalidText = "it holds a string that is not valid text (invalid UTF-8 or a lone surrogate)";

    private static bool Fail(string message, out GatewayError error)
    {
        error = GatewayError.InvalidField(Header, $"The header '{Header}' is invalid: {message}.");
        return false;
    }
}
