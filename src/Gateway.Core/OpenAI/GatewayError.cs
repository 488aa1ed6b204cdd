namespace Gateway.OpenAI;

/// <summary>An error the gateway itself produces, with the status and OpenAI error type it maps to.</summary>
internal sealed record GatewayError(int Status, string Type, string? Code, string Message, string? Param = null)
{
    public int? RetryAfterSeconds { get; init; }

    public static GatewayError InvalidJson(string detail) =>
        new(400, "invalid_request_error", "invalid_json", "The request body is not valid JSON: " + detail);

    public static GatewayError InvalidField(string param, string message) =>
        new(400, "invalid_request_error", "invalid_value", message, param);

    public static GatewayError MissingField(string param) =>
        new(400, "invalid_request_error", "missing_required_parameter", $"You must provide a '{param}' parameter.", param);

    public static GatewayError ModelNotFound(string model) =>
        new(404, "invalid_request_error", "model_not_found", $"The model '{model}' does not exist or you do not have access to it.", "model");

    public static GatewayError TooLarge(long limit) =>
        new(413, "invalid_request_error", "request_too_large", $"The request body is larger than the gateway's limit of {limit} bytes.");

    public static GatewayError UpstreamUnreachable(string provider, string detail) =>
        new(502, "upstream_error", "upstream_unreachable", $"The upstream provider '{provider}' could not be reached: {detail}");

    public static GatewayError UpstreamTimeout(string provider, string which, long ms) =>
        new(504, "timeout_error", "upstream_timeout", $"The upstream provider '{provider}' did not respond: {which} of {ms} ms exceeded.");

    public static GatewayError NotFound(string path) =>
        new(404, "invalid_request_error", "unknown_url", $"Unknown request URL: {path}. Please check the URL for typos.");

    public static GatewayError MethodNotAllowed(string method, string path) =>
        new(405, "invalid_request_error", "method_not_allowed", $"Method {method} is not allowed on {path}.");

    public static GatewayError ShuttingDown() =>
        new(503, "server_error", "shutting_down", "The gateway is shutting down.");
}
