using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 playing an OpenAI-compatible provider. Each test sets
/// <see cref="Handler"/>; every request is recorded with its body and headers.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app) => _app = app;

    public Func<HttpContext, byte[], Task> Handler { get; set; } = (ctx, _) =>
    {
        ctx.Response.StatusCode = 500;
        return Task.CompletedTask;
    };

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Cancelled requests (the client, i.e. the gateway, went away), counted by path.</summary>
    public int AbortedRequests => _aborted;
    private int _aborted;

    public string Origin { get; private set; } = "";

    /// <summary>The base URL to configure as a provider's base_url.</summary>
    public string BaseUrl => Origin + "/v1";

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new FakeUpstream(app);
        app.Run(async ctx =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            var body = ms.ToArray();
            upstream.Requests.Enqueue(new RecordedRequest(
                ctx.Request.Method,
                ctx.Request.Path + ctx.Request.QueryString,
                ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body));
            ctx.RequestAborted.Register(() => Interlocked.Increment(ref upstream._aborted));
            try
            {
                await upstream.Handler(ctx, body);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
            }
        });
        await app.StartAsync();
        upstream.Origin = app.Urls.First();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
