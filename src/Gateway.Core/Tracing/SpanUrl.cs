using Microsoft.AspNetCore.Http;

namespace Gateway.Tracing;

/// <summary>
/// The one way a URL goes into a span attribute (url.full, tfy.model.request_url, fallback.http.url,
/// load_balance.http.url): scheme, host, port and path. Never the user info (<c>user:password@</c>) or the
/// query, where some providers take their key (<c>?key=</c>), and no fragment.
/// </summary>
internal static class SpanUrl
{
    public static string? Of(Uri? url) =>
        url?.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    /// <summary>The gateway's own request URL, without its query string (clients may put keys there too).</summary>
    public static string Of(HttpRequest request) =>
        string.Concat(request.Scheme, "://", request.Host.Value, request.PathBase.Value, request.Path.Value);
}
