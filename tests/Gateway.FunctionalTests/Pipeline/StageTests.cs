using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Proxy;

namespace Gateway.FunctionalTests.Pipeline;

/// <summary>
/// Stages plugged into the real request path (what rate limits, budgets and guardrails will be): one turns
/// requests away, one rewrites the body. The stages are objects of this process, so the gateway runs in it.
/// </summary>
public sealed class StageTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    /// <summary>Answers 429 with retry-after to callers whose x-tfy-metadata says tier "free".</summary>
    private sealed class RejectFreeTier : IRequestStage
    {
        public int Ended;

        public string Name => "test rate limit";

        public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct) =>
            ValueTask.FromResult(context.Exchange.Metadata.TryGetValue("tier", out var tier) && tier == "free"
                ? new GatewayError(429, "rate_limit_error", "rate_limited", "The free tier allows no requests.") { RetryAfterSeconds = 7 }
                : null);

        public void OnRequestEnd(RequestContext context) => Interlocked.Increment(ref Ended);
    }

    /// <summary>Adds <c>"user":"stage"</c> to every body (as a guardrail that redacts would rewrite it).</summary>
    private sealed class TagUser : IRequestStage
    {
        public string Name => "test body rewrite";

        public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
        {
            var body = context.BodyMemory.Span;
            var close = body.LastIndexOf((byte)'}');
            var tagged = new byte[close + ""","user":"stage"}""".Length];
            body[..close].CopyTo(tagged);
            Encoding.UTF8.GetBytes(""","user":"stage"}""").CopyTo(tagged.AsSpan(close));
            var pooled = System.Buffers.ArrayPool<byte>.Shared.Rent(tagged.Length);
            tagged.CopyTo(pooled, 0);
            context.Body!.Release();
            context.Body = new PooledBuffer(pooled, System.Buffers.ArrayPool<byte>.Shared);
            context.BodyLength = tagged.Length;
            // The head's offsets point into the body: read it again.
            return ValueTask.FromResult(RequestHead.TryRead(context.BodyMemory.Span, out context.Exchange.Head, out var error) ? null : error);
        }
    }

    private async Task<GatewayApp> StartAsync(params IRequestStage[] stages)
    {
        var config = ConfigLoader.Load(Configs.OneUpstream(_upstream), "test.yaml", _ => null);
        return await GatewayApp.StartAsync(config, "http://127.0.0.1:0", _ => null, l => l.SetMinimumLevelWarning(),
            featureStages: stages.Select(s => (Func<GatewayRuntime.Snapshot, IRequestStage?>)(_ => s)).ToArray());
    }

    [InProcessFact]
    public async Task A_stage_rejects_with_429_before_anything_goes_upstream()
    {
        var limiter = new RejectFreeTier();
        await using var app = await StartAsync(limiter);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls[0]) };
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hello");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-tfy-metadata", """{"tier":"free"}""");
        using var limited = await client.SendAsync(request);
        using var allowed = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Equal("7", limited.Headers.GetValues("retry-after").Single());
        var error = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(_upstream.Requests);
        Assert.Equal(2, limiter.Ended);
    }

    [InProcessFact]
    public async Task A_stage_rewrites_the_body_the_upstream_receives()
    {
        await using var app = await StartAsync(new TagUser());
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls[0]) };
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hello");

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("""{"model":"gpt-4o-2024","messages":[{"role":"user","content":"hi"}],"user":"stage"}""", sent.BodyText);
    }
}
