using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Explorer;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Two gateways (two processes against the AOT binary; two apps with their own registries in process) sharing one
/// real redis-server: the limit holds across replicas (pain point 3: not limit × replicas); when Redis goes away
/// the configured fail mode holds without hanging and is counted on /metrics; when it comes back on the same port
/// the replicas share limits again without a restart.
/// </summary>
public sealed class SharedLimitTests : IAsyncLifetime
{
    private const string AliceKey = "sk-shared-alice";
    /// <summary>The longest a request may take while Redis is away: timeout_ms (300) and a wide margin for a loaded machine.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(5);

    private FakeUpstream _upstream = null!;
    private RedisServer _redis = null!;
    private readonly List<GatewayUnderTest> _gateways = [];

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "hi", delayMs: 5);
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways) await g.DisposeAsync();
        _redis.Dispose();
        await _upstream.DisposeAsync();
    }

    private async Task<GatewayUnderTest> StartAsync(string failMode, long limit = 50, string unit = "requests_per_day", int timeoutMs = 300, int leasePercent = 5)
    {
        var hash = "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(AliceKey)));
        var gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(_upstream) + $$"""

            auth:
              api_keys:
                - key_hash: {{hash}}
                  subject: user:alice@example.com
            limits_store:
              type: redis
              url: {{_redis.Url}}
              fail_mode: {{failMode}}
              timeout_ms: {{timeoutMs}}
              lease_percent: {{leasePercent}}
            rate_limiting:
              rules:
                - id: shared-per-user
                  limit_to: {{limit}}
                  unit: {{unit}}
                  rate_limit_applies_per: [user]
            """);
        _gateways.Add(gateway);
        return gateway;
    }

    private static async Task<(HttpStatusCode Status, TimeSpan Took)> SendAsync(GatewayUnderTest gateway)
    {
        var clock = Stopwatch.StartNew();
        using var r = await gateway.Chat("fake/gpt-4o", key: AliceKey);
        if (r.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            var error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("limits_store_unavailable", error.GetProperty("code").GetString());
            Assert.Equal("1", r.Headers.GetValues("retry-after").Single());
        }
        return (r.StatusCode, clock.Elapsed);
    }

    private static async Task<PrometheusText> ScrapeAsync(GatewayUnderTest gateway) =>
        PrometheusText.Parse(await gateway.Client.GetStringAsync("/metrics"));

    [Fact]
    public async Task Two_replicas_admit_exactly_50_of_200_concurrent_requests_at_50_per_minute_per_user()
    {
        // A generous timeout: this test is about sharing, and a store that times out would fail open (100 admitted).
        var a = await StartAsync("open", unit: "requests_per_minute", timeoutMs: 3000);
        var b = await StartAsync("open", unit: "requests_per_minute", timeoutMs: 3000);

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => SendAsync(i % 2 == 0 ? a : b)));
        clock.Stop();

        // 50 a minute refills one every 1.2 s: a burst that takes longer may admit one more per 1.2 s (GCRA's exact
        // refill), never more. On a machine that is not overloaded the burst takes well under a second: exactly 50.
        var admitted = results.Count(r => r.Status == HttpStatusCode.OK);
        Assert.InRange(admitted, 50, 50 + (int)(clock.ElapsedMilliseconds / 1200));
        Assert.Equal(200 - admitted, results.Count(r => r.Status == (HttpStatusCode)429));
        Assert.Equal(0, (await ScrapeAsync(a)).Sum("gateway_limits_store_failures_total") + (await ScrapeAsync(b)).Sum("gateway_limits_store_failures_total"));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("closed")]
    public async Task Redis_stopped_mid_run_holds_the_fail_mode_and_no_request_hangs(string failMode)
    {
        // Leases of 10 (1 % of 1000): at least 34 requests come after the stop, so some must ask Redis, whatever the timing.
        var a = await StartAsync(failMode, limit: 1000, leasePercent: 1);
        var results = new List<(bool AfterStop, bool BeforeStop, HttpStatusCode Status, TimeSpan Took)>();
        var done = 0;
        var stopping = 0;
        var stopped = 0;

        // Six clients, ten requests each; Redis is killed once twenty have been answered. A request answered
        // before the kill began must have succeeded; one sent after it must follow the fail mode; one in flight
        // while Redis went away may have done either.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            for (var i = 0; i < 10; i++)
            {
                var afterStop = Volatile.Read(ref stopped) == 1;
                var (status, took) = await SendAsync(a);
                var beforeStop = Volatile.Read(ref stopping) == 0;
                lock (results) results.Add((afterStop, beforeStop, status, took));
                if (Interlocked.Increment(ref done) == 20)
                {
                    Volatile.Write(ref stopping, 1);
                    _redis.Stop();
                    Volatile.Write(ref stopped, 1);
                }
            }
        }));

        Assert.Equal(60, results.Count);
        Assert.All(results, r => Assert.True(r.Took < NoHang, $"a request took {r.Took}"));
        Assert.True(results.Count(r => r.BeforeStop) >= 20);
        Assert.All(results.Where(r => r.BeforeStop), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(results.Where(r => !r.BeforeStop && !r.AfterStop), r => Assert.True(r.Status is HttpStatusCode.OK || (failMode == "closed" && r.Status == HttpStatusCode.ServiceUnavailable), r.Status.ToString()));
        var after = results.Where(r => r.AfterStop).ToList();
        Assert.NotEmpty(after);
        var metrics = await ScrapeAsync(a);
        Assert.True(metrics.Sum("gateway_limits_store_failures_total") >= 1);
        if (failMode == "open")
        {
            // This replica's own bucket (1000 a day) admits them all.
            Assert.All(after, r => Assert.Equal(HttpStatusCode.OK, r.Status));
            Assert.True(metrics.Sum("gateway_limits_store_fail_mode_requests_total", ("gateway_limits_fail_mode", "open")) >= 1);
            Assert.True(await a.WaitForOutputAsync("Limits store (Redis) unavailable, failing open"));
        }
        else
        {
            // Served from the lease it already held (at most 1 % of 1000), or 503; never a 429 or anything else.
            Assert.All(after, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, r.Status.ToString()));
            var unavailable = after.Count(r => r.Status == HttpStatusCode.ServiceUnavailable);
            Assert.True(unavailable >= after.Count - 10, $"{unavailable} of {after.Count} answered 503");
            // Every 503 is counted, those of requests in flight at the kill too.
            Assert.Equal(results.Count(r => r.Status == HttpStatusCode.ServiceUnavailable), metrics.Sum("gateway_limits_store_fail_mode_requests_total", ("gateway_limits_fail_mode", "closed")));
            Assert.True(await a.WaitForOutputAsync("Limits store (Redis) unavailable, failing closed"));
        }
    }

    [Fact]
    public async Task Redis_gone_with_fail_open_limits_locally()
    {
        var a = await StartAsync("open");
        _redis.Stop();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 52; i++)
        {
            var (status, took) = await SendAsync(a);
            Assert.True(took < NoHang, $"a request took {took}");
            statuses.Add(status);
        }

        // The replica's own bucket of the same rule: 50, then 429; nothing hangs, no 5xx; each request counted.
        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == (HttpStatusCode)429));
        Assert.True(await a.WaitForOutputAsync("Limits store (Redis) unavailable, failing open"));
        Assert.Equal(52, (await ScrapeAsync(a)).Sum("gateway_limits_store_fail_mode_requests_total", ("gateway_limits_fail_mode", "open")));
    }

    [Fact]
    public async Task Redis_back_on_the_same_port_shares_limits_again_without_a_restart()
    {
        var a = await StartAsync("closed", limit: 5);
        var b = await StartAsync("closed", limit: 5);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(a)).Status);

        _redis.Stop();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(a)).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(b)).Status);
        await _redis.RestartAsync();

        // Each replica reconnects by itself (once a second); until then it keeps answering 503 fast.
        foreach (var replica in new[] { a, b })
        {
            await Poll.ForAsync(() => SendAsync(replica), r => r.Status == HttpStatusCode.OK,
                r => $"a replica serving again ({r.Status} in {r.Took})", TimeSpan.FromSeconds(20));
        }

        // The restarted Redis is empty, so the bucket starts full: 5 across both replicas (2 taken above), not 5 each.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++) statuses.Add((await SendAsync(i % 2 == 0 ? a : b)).Status);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429, (HttpStatusCode)429, (HttpStatusCode)429], statuses);
    }
}
