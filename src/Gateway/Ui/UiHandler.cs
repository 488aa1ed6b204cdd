using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ui;

/// <summary>
/// Serves the trace explorer (issue #16) at <c>/ui</c>: <c>/ui/assets/&lt;file&gt;</c> from memory,
/// and <c>index.html</c> for every other path under <c>/ui</c>, so deep links such as
/// <c>/ui/traces/&lt;traceId&gt;</c> load the page, which routes on the client. The files hold no data and
/// need no key; the page sends the caller's key with each query to the span API.
/// </summary>
internal static class UiHandler
{
    public const string Root = "/ui";
    private const string AssetPrefix = "/ui/assets/";
    private const string Index = "index.html";

    // The page renders prompts and completions: no inline script, no other origin, as text only (app.js never uses innerHTML).
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static bool Serves(string path) =>
        path.StartsWith(Root, StringComparison.Ordinal) && (path.Length == Root.Length || path[Root.Length] == '/');

    public static Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            return OpenAI.ErrorWriter.WriteAsync(context, OpenAI.GatewayError.MethodNotAllowed(request.Method, request.Path.Value ?? Root));
        }
        var path = request.Path.Value!;
        var asset = path.StartsWith(AssetPrefix, StringComparison.Ordinal) ? UiAssets.Find(path[AssetPrefix.Length..]) : UiAssets.Find(Index);
        if (asset is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain";
            return response.WriteAsync("not found\n");
        }
        var gzip = asset.Gzip is not null && AcceptsGzip(request);
        var etag = gzip ? asset.GzipETag : asset.ETag;
        var headers = response.Headers;
        headers.ContentType = asset.ContentType;
        headers.ETag = etag;
        // Revalidate on each load: a new binary serves new files under the same names.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        if (asset.Gzip is not null) headers.Vary = HeaderNames.AcceptEncoding;
        if (request.Headers.IfNoneMatch.ToString() is { Length: > 0 } ifNoneMatch && ifNoneMatch.Contains(etag, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        var body = gzip ? asset.Gzip! : asset.Content;
        if (gzip) headers.ContentEncoding = "gzip";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            if (value is not null && value.Contains("gzip", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
