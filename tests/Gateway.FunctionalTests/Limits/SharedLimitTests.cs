using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Two gateways (two processes against the AOT binary; two apps with their own registries in process) sharing one
/// real redis-server: the limit holds across replicas (pain point 3: not limit × replicas), and when Redis goes
/// away the configured fail mode holds without hanging.
/// </summary>
public sealed class SharedLimitTests : IAsyncLifetime
{
    private const string AliceKey = "sk-shared-alice";

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

    private async Task<GatewayUnderTest> StartAsync(string failMode)
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
              timeout_ms: 300
            rate_limiting:
              rules:
                - id: shared-per-user
                  limit_to: 50
                  unit: requests_per_hour
                  rate_limit_applies_per: [user]
            """);
        _gateways.Add(gateway);
        return gateway;
    }

    [Fact]
    public async Task Two_replicas_admit_exactly_the_limit_of_200_concurrent_requests()
    {
        var a = await StartAsync("open");
        var b = await StartAsync("open");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var r = await (i % 2 == 0 ? a : b).Chat("fake/gpt-4o", key: AliceKey);
            return r.StatusCode;
        }));

        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(150, statuses.Count(s => s == (HttpStatusCode)429));
    }

    [Fact]
    public async Task Redis_gone_with_fail_closed_answers_503_fast()
    {
        var a = await StartAsync("closed");
        using (var before = await a.Chat("fake/gpt-4o", key: AliceKey)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        _redis.Stop();
        // More than the first lease (2 of 50) holds: past it, every request needs Redis.
        var clock = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var r = await a.Chat("fake/gpt-4o", key: AliceKey);
            if (r.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
                Assert.Equal("limits_store_unavailable", error.GetProperty("code").GetString());
            }
            return r.StatusCode;
        }));

        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, s.ToString()));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Redis_gone_with_fail_open_limits_locally()
    {
        var a = await StartAsync("open");
        _redis.Stop();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 52; i++)
        {
            using var r = await a.Chat("fake/gpt-4o", key: AliceKey);
            statuses.Add(r.StatusCode);
        }

        // The replica's own bucket of the same rule: 50, then 429; nothing hangs, no 5xx.
        Assert.Equal(50, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == (HttpStatusCode)429));
        Assert.True(await a.WaitForOutputAsync("Limits store (Redis) unavailable, failing open"));
    }
}
