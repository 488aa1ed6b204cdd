using System.Globalization;
using Gateway.OpenAI;
using Gateway.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Pipeline.Stages;

/// <summary>
/// The request's context headers, its body (read once, pooled), the few top-level fields the gateway
/// needs (DESIGN.md decision 1) and the timeouts in force.
/// </summary>
internal sealed class ReadRequestStage : IRequestStage
{
    public const string RequestTimeoutHeader = "x-tfy-request-timeout";
    public const string TtftTimeoutHeader = "x-tfy-ttft-timeout-ms";

    public static readonly ReadRequestStage Instance = new();

    public string Name => "read";

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var http = context.Http;
        var server = context.Snapshot.Config.Server;
        var exchange = context.Exchange;
        if (!RequestContextHeaders.TryApply(http.Request.Headers, exchange, out var retry, out var headerError)) return headerError;
        context.RetryOverride = retry;
        // Kestrel's cap follows the live config, just above its limit so a rejected body can be drained (RequestBody.DrainAsync).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = server.MaxRequestBodyBytes + RequestBody.DrainLimitBytes;
        }
        var (readError, body, length) = await RequestBody.ReadAsync(http, server.MaxRequestBodyBytes).ConfigureAwait(false);
        // Owned by the request from here: the path returns it to the pool when the request ends.
        context.Body = body;
        context.BodyLength = length;
        if (readError is not null) return readError;
        if (!RequestHead.TryRead(body.AsSpan(0, length), out exchange.Head, out var headError)) return headError;
        if (!TryTimeout(http, RequestTimeoutHeader, server.RequestTimeoutMs, out var requestMs, out var timeoutError) ||
            !TryTimeout(http, TtftTimeoutHeader, server.TtftTimeoutMs, out var ttftMs, out timeoutError))
        {
            return timeoutError;
        }
        context.Timeouts = new RequestTimeouts(requestMs, ttftMs, server.SseKeepaliveMs);
        return null;
    }

    private static bool TryTimeout(HttpContext context, string header, int configured, out int ms, out GatewayError? error)
    {
        error = null;
        ms = configured;
        if (!context.Request.Headers.TryGetValue(header, out var values)) return true;
        if (!int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
        {
            error = GatewayError.InvalidField(header, $"The header '{header}' must be a positive number of milliseconds.");
            return false;
        }
        ms = parsed;
        return true;
    }
}
