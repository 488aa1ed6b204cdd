using System.Buffers;
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
    public static readonly ReadRequestStage Instance = new();

    public string Name => "read";

    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var http = context.Http;
        var server = context.Snapshot.Config.Server;
        var exchange = context.Exchange;
        if (!RequestContextHeaders.TryApply(http.Request.Headers, exchange, out var retry, out var headerError)) return headerError;
        context.RetryOverride = retry;
        // Kestrel's cap follows the live config, just above its limit so a rejected body can be drained (RequestIntake.DrainAsync).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = server.MaxRequestBodyBytes + RequestIntake.DrainLimitBytes;
        }
        var (readError, body, length) = await RequestIntake.ReadAsync(http, server.MaxRequestBodyBytes).ConfigureAwait(false);
        if (readError is not null) return readError;
        // The request's reference: the path releases it when the request ends; a send still running holds its own.
        context.Body = new PooledBuffer(body!, ArrayPool<byte>.Shared);
        context.BodyLength = length;
        if (!RequestHead.TryRead(body.AsSpan(0, length), out exchange.Head, out var headError)) return headError;
        var headers = http.Request.Headers;
        if (!TimeoutHeader.TryResolve(TimeoutHeader.Request, headers[TimeoutHeader.Request], server.RequestTimeoutMs, server.AllowTimeoutIncreaseByHeader, out var requestMs, out var timeoutError) ||
            !TimeoutHeader.TryResolve(TimeoutHeader.Ttft, headers[TimeoutHeader.Ttft], server.TtftTimeoutMs, server.AllowTimeoutIncreaseByHeader, out var ttftMs, out timeoutError))
        {
            return timeoutError;
        }
        context.Timeouts = new RequestTimeouts(requestMs, ttftMs, server.SseKeepaliveMs);
        return null;
    }
}
