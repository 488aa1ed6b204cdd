using System.Text.Json;
using Gateway.OpenAI;
using Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy;

/// <summary>
/// The request headers that travel with an exchange to routing rules and spans:
/// <list type="bullet">
/// <item><c>x-tfy-metadata</c>: a JSON object of string to string (values up to 128 characters), as in the reference.</item>
/// <item><c>x-tfy-conversation-id</c>: groups the requests of one conversation (span attribute tfy.request.conversation_id), up to 256 characters.</item>
/// <item><c>x-tfy-retry-config</c>: see <see cref="RetryOverride"/>.</item>
/// </list>
/// Bad values are the client's error (400), never silently dropped.
/// </summary>
internal static class RequestContextHeaders
{
    public const string Metadata = "x-tfy-metadata";
    public const string ConversationId = "x-tfy-conversation-id";
    public const int MaxMetadataValueLength = 128;
    public const int MaxMetadataKeyLength = 128;
    public const int MaxMetadataEntries = 64;
    public const int MaxConversationIdLength = 256;

    public static bool TryApply(IHeaderDictionary headers, Exchange exchange, out RetryOverride? retry, out GatewayError? error)
    {
        retry = null;
        error = null;
        if (headers.TryGetValue(Metadata, out var metadata))
        {
            if (metadata.Count != 1) return Fail(Metadata, "send it once", out error);
            if (!TryParseMetadata(metadata.ToString(), out var parsed, out var problem)) return Fail(Metadata, problem!, out error);
            exchange.Metadata = parsed;
        }
        if (headers.TryGetValue(ConversationId, out var conversation))
        {
            var id = conversation.ToString().Trim();
            if (conversation.Count != 1 || id.Length == 0 || id.Length > MaxConversationIdLength)
            {
                return Fail(ConversationId, $"it must be one non-empty value of at most {MaxConversationIdLength} characters", out error);
            }
            exchange.ConversationId = id;
        }
        if (headers.TryGetValue(RetryOverride.Header, out var retryConfig))
        {
            if (retryConfig.Count != 1) return Fail(RetryOverride.Header, "send it once", out error);
            if (!RetryOverride.TryParse(retryConfig.ToString(), out retry, out error)) return false;
        }
        return true;
    }

    /// <summary>Parses <c>{"key":"value",...}</c>; values must be strings of at most 128 characters.</summary>
    public static bool TryParseMetadata(string value, out IReadOnlyDictionary<string, string> metadata, out string? problem)
    {
        metadata = Exchange.EmptyMetadata;
        problem = null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(value), new JsonReaderOptions { MaxDepth = 2 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "it must be a JSON object of string keys to string values";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!JsonText.TryGetString(ref reader, out var key)) return InvalidText(out problem);
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    problem = $"the value of '{Clip(key)}' must be a string";
                    return false;
                }
                if (!JsonText.TryGetString(ref reader, out var v)) return InvalidText(out problem);
                if (key.Length == 0 || key.Length > MaxMetadataKeyLength)
                {
                    problem = $"keys must be 1 to {MaxMetadataKeyLength} characters";
                    return false;
                }
                if (v.Length > MaxMetadataValueLength)
                {
                    problem = $"the value of '{Clip(key)}' is longer than {MaxMetadataValueLength} characters";
                    return false;
                }
                if (!result.TryAdd(key, v))
                {
                    problem = $"the key '{Clip(key)}' appears twice";
                    return false;
                }
                if (result.Count > MaxMetadataEntries)
                {
                    problem = $"at most {MaxMetadataEntries} entries";
                    return false;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                problem = "it must be a single JSON object";
                return false;
            }
        }
        catch (JsonException e)
        {
            problem = "invalid JSON: " + e.Message;
            return false;
        }
        metadata = result;
        return true;
    }

    private static bool InvalidText(out string problem)
    {
        problem = "it holds a string that is not valid text (invalid UTF-8 or a lone surrogate)";
        return false;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static bool Fail(string header, string problem, out GatewayError error)
    {
        error = GatewayError.InvalidField(header, $"The header '{header}' is invalid: {problem}.");
        return false;
    }
}
