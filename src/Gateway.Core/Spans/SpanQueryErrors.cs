using Gateway.OpenAI;

namespace Gateway.Spans;

/// <summary>The query API's own errors, in OpenAI's shape like every error the gateway writes.</summary>
internal static class SpanQueryErrors
{
    public static GatewayError Unauthenticated() =>
        new(401, "invalid_request_error", "invalid_api_key",
            "Missing or invalid API key. Send it as 'Authorization: Bearer <key>'.");

    public static GatewayError AnonymousRemote() =>
        new(403, "permission_error", "anonymous_remote_forbidden",
            "This gateway has no API keys, so its span query API answers callers on its own machine only (the anonymous caller reads every stored prompt). Configure auth.api_keys, or set span_store.allow_anonymous_remote: true to serve every address.");

    public static GatewayError Forbidden(string subject, string fqn) =>
        new(403, "permission_error", "forbidden",
            $"'{subject}' may not read tracing project '{fqn}': only its collaborators and admins can.", "tracingProjectFqn");

    public static GatewayError Invalid(string param, string message) =>
        new(400, "invalid_request_error", "invalid_value", message, param);

    public static GatewayError BadPageToken(string why) =>
        new(400, "invalid_request_error", "invalid_page_token",
            $"The pageToken is not valid: {why}. Use pagination.nextPageToken from the previous page of the same query.", "pageToken");

    public static GatewayError StoreDisabled() =>
        new(404, "invalid_request_error", "span_store_disabled",
            "The span store is not available on this gateway: it is disabled (span_store.enabled: false) or could not be opened (see the gateway's log).");

    public static GatewayError Timeout(long timeoutMs) =>
        new(504, "timeout_error", "query_timeout",
            $"The span query did not finish within {timeoutMs} ms (span_store.query_timeout_ms) and was stopped. Narrow the time window, add filters on indexed fields (traceIds, createdBySubjectSlugs, parentSpanIds) or page with a smaller limit.");

    public static GatewayError Busy() =>
        new(429, "rate_limit_error", "too_many_queries",
            "Every span query thread is busy and the waiting line is full (span_store.query_workers). Retry in a moment.");

    public static GatewayError StoreFailed() =>
        new(500, "server_error", "span_store_error", "The span store could not run the query; see the gateway's log.");
}
