using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.FunctionalTests.Tracing.Otlp;

/// <summary>
/// A real OTLP collector for tests: Kestrel on 127.0.0.1 taking OTLP/HTTP (<c>POST /v1/traces</c>,
/// <c>/v1/metrics</c>, protobuf bodies) or, when started with <c>grpc: true</c>, OTLP/gRPC over HTTP/2
/// cleartext (length-prefixed messages, <c>grpc-status</c> trailer). Everything received is decoded and kept.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private const string GrpcTraces = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const string GrpcMetrics = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();
    public ConcurrentQueue<ReceivedMetric> Metrics { get; } = new();
    /// <summary>Raw request bodies, to check that no secret reached the collector in any form.</summary>
    public ConcurrentQueue<byte[]> RawBodies { get; } = new();
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> RequestHeaders { get; } = new();
    public ConcurrentQueue<string> Protocols { get; } = new();

    public string Origin { get; private set; } = "";
    public string TracesUrl => Origin + "/v1/traces";
    public string MetricsUrl => Origin + "/v1/metrics";

    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Origin = app.Urls.First().Replace("[::1]", "127.0.0.1");
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms);
        var body = ms.ToArray();
        RawBodies.Enqueue(body);
        RequestHeaders.Enqueue(ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        Protocols.Enqueue(ctx.Request.Protocol);
        var path = ctx.Request.Path.Value;
        switch (path)
        {
            case "/v1/traces":
                foreach (var s in OtlpDecoder.DecodeTraces(body)) Spans.Enqueue(s);
                ctx.Response.ContentType = "application/x-protobuf";
                return;
            case "/v1/metrics":
                foreach (var m in OtlpDecoder.DecodeMetrics(body)) Metrics.Enqueue(m);
                ctx.Response.ContentType = "application/x-protobuf";
                return;
            case GrpcTraces or GrpcMetrics:
                // gRPC framing: 1 byte compressed flag, 4 bytes big-endian length, then the message.
                if (body.Length < 5 || body[0] != 0) throw new InvalidOperationException("unexpected gRPC frame");
                var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
                var message = body.AsSpan(5, length);
                if (path == GrpcTraces) foreach (var s in OtlpDecoder.DecodeTraces(message)) Spans.Enqueue(s);
                else foreach (var m in OtlpDecoder.DecodeMetrics(message)) Metrics.Enqueue(m);
                ctx.Response.ContentType = "application/grpc";
                // An empty Export*ServiceResponse, framed.
                await ctx.Response.Body.WriteAsync(new byte[5]);
                ctx.Response.AppendTrailer("grpc-status", "0");
                return;
            default:
                ctx.Response.StatusCode = 404;
                return;
        }
    }

    /// <summary>Waits until the spans of one trace satisfy <paramref name="done"/>; returns them.</summary>
    public async Task<List<ReceivedSpan>> WaitForTraceAsync(string traceId, Func<List<ReceivedSpan>, bool> done, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var spans = Spans.Where(s => s.TraceId == traceId).ToList();
            if (done(spans)) return spans;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"trace {traceId}: {spans.Count} spans received ({string.Join(", ", spans)}); all: {Spans.Count}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for spans matching <paramref name="match"/> until <paramref name="count"/> arrived.</summary>
    public async Task<List<ReceivedSpan>> WaitForSpansAsync(Func<ReceivedSpan, bool> match, int count, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var spans = Spans.Where(match).ToList();
            if (spans.Count >= count) return spans;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{spans.Count} of {count} spans received; all: {string.Join(", ", Spans)}");
            await Task.Delay(20);
        }
    }

    public async Task<List<ReceivedMetric>> WaitForMetricsAsync(Func<List<ReceivedMetric>, bool> done, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var metrics = Metrics.ToList();
            if (done(metrics)) return metrics;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"metrics received: {string.Join(", ", metrics.Select(m => m.Name).Distinct())}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
