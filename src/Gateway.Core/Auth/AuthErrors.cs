using Gateway.OpenAI;

namespace Gateway.Auth;

/// <summary>The 401s, worded like OpenAI's so SDKs raise their AuthenticationError with a readable message.</summary>
internal static class AuthErrors
{
    public static GatewayError MissingKey() => new(401, "invalid_request_error", "missing_api_key",
        "You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer YOUR_KEY'.");

    public static GatewayError MalformedHeader() => new(401, "invalid_request_error", "invalid_authorization_header",
        "The Authorization header is malformed. Expected 'Authorization: Bearer YOUR_KEY'.");

    public static GatewayError WrongKey() => new(401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided.");
}
