using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Rate limits over the real HTTP stack (in process and against the AOT binary): exact admission under
/// concurrency, OpenAI's 429 and x-ratelimit-* headers, token settlement from streams, and the spans.
/// Limits per day keep refill out of the way of a wall clock (the binary's clock is real).
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const string AliceKey = "sk-limits-alice";
    private const string BobKey = "sk-limits-bob";
    private const string AdminKey = "sk-limits-admin";

    private FakeUpstream _upstream = null!;
    private GatewayUnderTest? _gateway;

    public async Task InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private async Task<GatewayUnderTest> StartAsync(string limits)
    {
        _gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(_upstream) + $$"""

            auth:
              api_keys:
                - key_hash: {{Hash(AliceKey)}}
                  subject: user:alice@example.com
                  tenant: acme
                - key_hash: {{Hash(BobKey)}}
                  subject: user:bob@example.com
                - key_hash: {{Hash(AdminKey)}}
                  subject: user:admin@example.com
                  admin: true
            {{limits}}
            """);
        return _gateway;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header; status {(int)response.StatusCode}");

    [Fact]
    public async Task A_per_user_limit_of_N_admits_exactly_N_of_3N_concurrent_requests()
    {
        const int n = 5;
        var gateway = await StartAsync($$"""
            rate_limiting:
              rules:
                - id: per-user-rpm
                  when: {subjects: [user:alice@example.com, user:bob@example.com]}
                  limit_to: {{n}}
                  unit: requests_per_minute
                  rate_limit_applies_per: [user]
            """);
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hi", delayMs: 50);

        var responses = await Task.WhenAll(Enumerable.Range(0, 3 * n).Select(_ => gateway.Chat("fake/gpt-4o", key: AliceKey)));
        using var bob = await gateway.Chat("fake/gpt-4o", key: BobKey);

        var ok = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var limited = responses.Where(r => r.StatusCode == (HttpStatusCode)429).ToList();
        Assert.Equal(n, ok.Count);
        Assert.Equal(2 * n, limited.Count);
        Assert.Equal(n + 1, _upstream.Requests.Count);
        // Under the limit, each admitted request learns what is left: 4, 3, 2, 1, 0 in some order.
        Assert.Equal(Enumerable.Range(0, n).Select(i => i.ToString()), ok.Select(r => Header(r, "x-ratelimit-remaining-requests")).Order());
        Assert.All(ok, r => Assert.Equal("5", Header(r, "x-ratelimit-limit-requests")));
        foreach (var r in limited)
        {
            Assert.Equal("5", Header(r, "x-ratelimit-limit-requests"));
            Assert.Equal("0", Header(r, "x-ratelimit-remaining-requests"));
            // OpenAI's (Go's) duration form: "59.9s", or "1m0s" when the bucket is a whole period from full.
            Assert.Matches(@"^((\d+h)?(\d+m)?\d+(\.\d+)?s|\d+ms)$", Header(r, "x-ratelimit-reset-requests"));
            var retryAfter = int.Parse(Header(r, "retry-after"));
            Assert.InRange(retryAfter, 1, 12);
            var error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
            Assert.Equal("requests", error.GetProperty("type").GetString());
            Assert.Contains("'per-user-rpm'", error.GetProperty("message").GetString());
        }
        // Bob's requests count in his own bucket.
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        Assert.Equal("4", Header(bob, "x-ratelimit-remaining-requests"));
        foreach (var r in responses) r.Dispose();
    }

    [Fact]
    public async Task A_tokens_limit_reserves_max_tokens_and_settles_the_usage_of_each_stream()
    {
        var gateway = await StartAsync("""
            rate_limiting:
              rules:
                - id: tokens
                  limit_to: 100
                  unit: tokens_per_day
            """);
        // Every answer reports 5 + 3 = 8 tokens in its final chunk.
        _upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);

        var remaining = new List<string>();
        HttpResponseMessage last;
        while (true)
        {
            last = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: ""","max_tokens":60,"stream_options":{"include_usage":true}""");
            if (last.StatusCode != HttpStatusCode.OK) break;
            remaining.Add(Header(last, "x-ratelimit-remaining-tokens"));
            // The stream ends after the gateway settled: its end hooks run before the response completes.
            await last.Content.ReadAsStringAsync();
            last.Dispose();
            Assert.True(remaining.Count < 10, "never limited");
        }

        // 100 - 8 per settled request - 60 reserved by this one. Without settlement the second would be refused.
        Assert.Equal(["40", "32", "24", "16", "8", "0"], remaining);
        Assert.Equal((HttpStatusCode)429, last.StatusCode);
        Assert.Equal("52", Header(last, "x-ratelimit-remaining-tokens"));
        Assert.Equal("100", Header(last, "x-ratelimit-limit-tokens"));
        Assert.Equal("tokens", JsonDocument.Parse(await last.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
        last.Dispose();
    }

    [Fact]
    public async Task A_stream_cut_before_its_usage_settles_what_it_delivered()
    {
        var gateway = await StartAsync("""
            rate_limiting:
              rules:
                - id: tokens
                  limit_to: 100
                  unit: tokens_per_day
            """);
        // Cut only once the client has all three events: a reset could otherwise drop bytes still in flight.
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (ctx, _) =>
        {
            await Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b"), Sse.Chunk("c")], done: false);
            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };
        const string extra = ""","max_tokens":60""";

        using (var cut = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra))
        {
            Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
            Assert.Equal("40", Header(cut, "x-ratelimit-remaining-tokens"));
            var (_, truncated) = await Sse.ReadRawAsync(cut, body =>
            {
                if (body.Contains("\"c\"", StringComparison.Ordinal)) delivered.TrySetResult();
            });
            Assert.True(truncated);
        }
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hi");
        using var next = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra);

        // Settled: the 3 events delivered plus the prompt at 4 bytes a token, not the 60 reserved.
        var used = 3 + Encoding.UTF8.GetByteCount(GatewayRequests.ChatBody("fake/gpt-4o", true, extra)) / 4;
        Assert.Equal((100 - used - 60).ToString(), Header(next, "x-ratelimit-remaining-tokens"));
    }

    [Fact]
    public async Task A_tokens_per_minute_limit_settles_streams_with_their_usage_and_a_cut_stream_with_what_it_delivered()
    {
        var gateway = await StartAsync("""
            rate_limiting:
              rules:
                - id: tpm
                  limit_to: 600
                  unit: tokens_per_minute
            """);
        const string extra = ""","max_tokens":250,"stream_options":{"include_usage":true}""";
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cut = false;
        _upstream.Handler = async (ctx, _) =>
        {
            if (!cut)
            {
                await Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
                return;
            }
            // Cut after three events, before any usage.
            await Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b"), Sse.Chunk("c")], done: false);
            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // 600 a minute refills 10 a second (the binary's clock is real): each figure may be up to that much higher
        // than the exact one, never lower. Without settlement each request would keep its 250 reserved.
        void AssertRemaining(long exact, HttpResponseMessage r) =>
            Assert.InRange(long.Parse(Header(r, "x-ratelimit-remaining-tokens")), exact, exact + 1 + clock.ElapsedMilliseconds / 100);

        using (var first = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra))
        {
            AssertRemaining(350, first);
            await first.Content.ReadAsStringAsync();
        }
        using (var second = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra))
        {
            // The first settled its usage, 8 tokens, from the stream's final chunk.
            AssertRemaining(600 - 8 - 250, second);
            await second.Content.ReadAsStringAsync();
        }
        cut = true;
        using (var third = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra))
        {
            AssertRemaining(600 - 16 - 250, third);
            var (_, truncated) = await Sse.ReadRawAsync(third, body =>
            {
                if (body.Contains("\"c\"", StringComparison.Ordinal)) delivered.TrySetResult();
            });
            Assert.True(truncated);
        }
        cut = false;
        using var fourth = await gateway.Chat("fake/gpt-4o", stream: true, key: AliceKey, extra: extra);

        // The cut stream settled the 3 events it delivered plus its prompt at 4 bytes a token.
        var usedByCut = 3 + Encoding.UTF8.GetByteCount(GatewayRequests.ChatBody("fake/gpt-4o", true, extra)) / 4;
        AssertRemaining(600 - 16 - usedByCut - 250, fourth);
        Assert.Equal("600", Header(fourth, "x-ratelimit-limit-tokens"));
    }

    [Fact]
    public async Task The_spans_say_which_rule_limited_the_request_and_why()
    {
        var gateway = await StartAsync("""
            rate_limiting:
              rules:
                - id: not-for-alice
                  when: {subjects: [user:bob@example.com]}
                  limit_to: 100
                  unit: requests_per_day
                - id: one-a-day
                  limit_to: 1
                  unit: requests_per_day
                  rate_limit_applies_per: [user]
            """);
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hi");
        var allowedTrace = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var limitedTrace = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        using (var allowed = await gateway.Chat("fake/gpt-4o", key: AliceKey, headers: ("traceparent", $"00-{allowedTrace}-b7ad6b7169203331-01"))) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using (var limited = await gateway.Chat("fake/gpt-4o", key: AliceKey, headers: ("traceparent", $"00-{limitedTrace}-b7ad6b7169203331-01"))) Assert.Equal((HttpStatusCode)429, limited.StatusCode);

        var spans = await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(limitedTrace), 2, AdminKey);
        var limiter = spans.Single(s => s.GetProperty("spanName").GetString() == "RateLimiterMiddleware");
        var a = limiter.GetProperty("spanAttributes");
        Assert.Equal("fake/gpt-4o", a.GetProperty("rate_limiter.model").GetString());
        Assert.Equal("user", a.GetProperty("rate_limiter.user.subject_type").GetString());
        Assert.Equal("alice@example.com", a.GetProperty("rate_limiter.user.subject_slug").GetString());
        Assert.Equal("acme", a.GetProperty("rate_limiter.user.tenant_name").GetString());
        Assert.Equal("one-a-day", a.GetProperty("rate_limiter.rule.id").GetString());
        Assert.Equal("one-a-day", a.GetProperty("rate_limiter.rules")[0].GetString());
        Assert.Equal("rate_limited", a.GetProperty("rate_limiter.status").GetString());
        Assert.Equal(0, a.GetProperty("rate_limiter.remaining").GetInt64());
        Assert.Contains("'one-a-day'", a.GetProperty("tfy.error_message").GetString());
        var root = spans.Single(s => s.GetProperty("parentSpanId").ValueKind == JsonValueKind.Null || s.GetProperty("spanName").GetString() == "chatCompletions");
        Assert.Equal("one-a-day", root.GetProperty("spanAttributes").GetProperty("applied_ratelimit_rule_ids")[0].GetString());
        Assert.Equal(429, root.GetProperty("spanAttributes").GetProperty("http.response.status_code").GetInt32());

        var allowedSpans = await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(allowedTrace), 4, AdminKey);
        var model = allowedSpans.Single(s => s.GetProperty("spanName").GetString() == "Model");
        Assert.Equal("one-a-day", model.GetProperty("spanAttributes").GetProperty("applied_ratelimit_rule_ids")[0].GetString());
        var allowedLimiter = allowedSpans.Single(s => s.GetProperty("spanName").GetString() == "RateLimiterMiddleware").GetProperty("spanAttributes");
        Assert.Equal("allowed", allowedLimiter.GetProperty("rate_limiter.status").GetString());
    }
}
