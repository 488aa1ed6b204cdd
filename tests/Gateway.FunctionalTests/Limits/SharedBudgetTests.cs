using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// A budget shared by two replicas through a real redis-server (pain point 4: a budget that holds, whichever
/// replica serves). Priced as in <see cref="BudgetTests"/>: every stream costs exactly $0.002, and reserves
/// about $0.035 (its body at the input price), more than a lease slice: those requests reserve in Redis directly.
/// The lease tests price input low (<see cref="Leased"/>): $0.0008 a stream, about $0.0037 reserved, under a slice.
/// </summary>
public sealed class SharedBudgetTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private FakeUpstream _webhook = null!;
    private RedisServer _redis = null!;
    private readonly List<GatewayUnderTest> _gateways = [];

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
        _webhook = await FakeUpstream.StartAsync();
        _webhook.Handler = (ctx, _) => Task.CompletedTask;
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways) await g.DisposeAsync();
        _redis.Dispose();
        await _upstream.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private const string Stream = ""","max_tokens":10,"stream_options":{"include_usage":true}""";

    /// <summary>$10 / $250 per million tokens: 5 prompt + 3 completion tokens cost exactly $0.0008.</summary>
    private const string Leased = "{input_per_million_tokens: 10, output_per_million_tokens: 250}";

    private async Task<GatewayUnderTest> StartAsync(string price = "{input_per_million_tokens: 250, output_per_million_tokens: 250}", string budget = """
            - id: shared-cent
              unit: cost_per_day
              limit_to: 0.01
        """, int leasePercent = 5, int[]? thresholds = null, bool fromFile = false)
    {
        var gateway = await GatewayUnderTest.StartAsync(Configs.Priced(_upstream, price) + $$"""

            limits_store:
              type: redis
              url: {{_redis.Url}}
              lease_percent: {{leasePercent}}
              timeout_ms: 3000                  # a loaded test machine is not what these tests are about
            budget_limiting:
              rules:
            {{budget}}
                  alerts:
                    thresholds: [{{string.Join(", ", thresholds ?? [50])}}]
                    notification_target: [{type: webhook, url: "{{_webhook.Origin}}/alerts"}]
            """, fromFile: fromFile);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>The usage API's budget counter (from Redis): spent and reserved, in USD.</summary>
    private static async Task<(double Used, double Reserved)> UsageAsync(GatewayUnderTest gateway)
    {
        using var response = await gateway.Client.GetAsync("/api/limits/usage?type=budget");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var buckets = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("buckets");
        return buckets.GetArrayLength() == 0 ? (0, 0) : (buckets[0].GetProperty("used").GetDouble(), buckets[0].GetProperty("reserved").GetDouble());
    }

    private static async Task<HttpStatusCode> SendAsync(GatewayUnderTest gateway)
    {
        using var r = await gateway.Chat("fake/gpt-4o", stream: true, extra: Stream);
        await r.Content.ReadAsStringAsync();
        return r.StatusCode;
    }

    [Fact]
    public async Task Requests_under_a_slice_are_admitted_and_settled_from_leases_without_a_redis_call_each()
    {
        var replicas = new[] { await StartAsync(Leased, """
                - id: shared-dollar
                  unit: cost_per_day
                  limit_to: 1
            """, leasePercent: 20), await StartAsync(Leased, """
                - id: shared-dollar
                  unit: cost_per_day
                  limit_to: 1
            """, leasePercent: 20) };
        var before = await _redis.ScriptCallsAsync();

        for (var i = 0; i < 40; i++) Assert.Equal(HttpStatusCode.OK, await SendAsync(replicas[i % 2]));

        // A slice ($0.20) covers every request of a replica: one refill each, plus a write-back a second per replica
        // while the test runs. Without leases: 80 (a reservation and a settlement per request).
        var calls = await _redis.ScriptCallsAsync() - before;
        Assert.True(calls <= 20, $"{calls} Redis script calls for 40 requests");
        // The spend reaches Redis lazily, exactly: 40 × $0.0008; the idle leases go back.
        var (used, reserved) = await Poll.ForAsync(() => UsageAsync(replicas[0]), u => u.Reserved == 0 && Math.Abs(u.Used - 0.032) < 1e-9, u => $"used {u.Used}, reserved {u.Reserved}");
        Assert.Equal(0.032, used, 9);
    }

    [Fact]
    public async Task Concurrent_requests_on_two_replicas_overspend_at_most_one_request_in_flight_and_the_budget_is_then_spent_exactly()
    {
        // $0.04 is 50 requests at $0.0008; a slice is $0.008, about two reservations.
        const string budget = """
                - id: shared-cents
                  unit: cost_per_day
                  limit_to: 0.04
            """;
        var replicas = new[] { await StartAsync(Leased, budget, leasePercent: 20, thresholds: [50, 100]), await StartAsync(Leased, budget, leasePercent: 20, thresholds: [50, 100]) };
        _upstream.Handler = async (ctx, _) =>
        {
            await Task.Delay(20, ctx.RequestAborted);
            await Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
        };

        var burst = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => SendAsync(replicas[i % 2])));

        // Every admitted request was granted from Redis while spend plus reservations was under the limit, and a grant
        // exceeds what is left by at most one reservation (~$0.0037, 4 requests' cost): at most 54 × $0.0008.
        var fromBurst = burst.Count(s => s == HttpStatusCode.OK);
        var admitted = fromBurst;
        Assert.Equal(200 - admitted, burst.Count(s => s == (HttpStatusCode)429));
        Assert.InRange(admitted, 1, 54);
        var (used, _) = await Poll.ForAsync(() => UsageAsync(replicas[0]), u => u.Reserved == 0, u => $"leases back (reserved {u.Reserved})");
        Assert.Equal(admitted * 0.0008, used, 9);

        // With the leases back, one replica spends what is left, exactly: a request is refused once $0.04 is spent.
        while (await SendAsync(replicas[0]) == HttpStatusCode.OK) admitted++;
        Assert.Equal(Math.Max(50, fromBurst), admitted);
        Assert.Equal((HttpStatusCode)429, await SendAsync(replicas[1]));
        (used, _) = await Poll.ForAsync(() => UsageAsync(replicas[1]), u => u.Reserved == 0, u => $"leases back (reserved {u.Reserved})");
        Assert.Equal(admitted * 0.0008, used, 9);
        // Each threshold once, across both replicas.
        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 2), "the 50% and 100% alerts");
        Assert.Equal([50, 100], _webhook.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("threshold_percent").GetInt32()).Order());
    }

    [Theory]
    [InlineData("removed")]
    [InlineData("new unit")]
    public async Task A_reload_that_removes_a_budget_rule_gives_its_lease_back_to_redis_at_once(string change)
    {
        var gateway = await StartAsync(Leased, """
                - id: shared-dollar
                  unit: cost_per_day
                  limit_to: 1
            """, leasePercent: 20, fromFile: true);
        var key = "gw:bg:shared-dollar::" + new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        // The replica holds the rest of its $0.20 slice.
        Assert.True(long.Parse((await _redis.CommandAsync("HGET", key, "reserved"))!) > 0);

        // The rule goes away (or starts afresh with a new unit) while requests keep its lease busy (an idle lease would go back by itself after a second).
        var yaml = await File.ReadAllTextAsync(gateway.ConfigFile!);
        await File.WriteAllTextAsync(gateway.ConfigFile!, change == "removed"
            ? yaml[..yaml.IndexOf("budget_limiting:", StringComparison.Ordinal)] + yaml[yaml.IndexOf("\nspan_store:", StringComparison.Ordinal)..]
            : yaml.Replace("unit: cost_per_day", "unit: cost_per_month", StringComparison.Ordinal));
        var served = 1;
        await Poll.UntilAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
            served++;
            return (await gateway.Client.GetStringAsync("/readyz")).Contains("config_version=2", StringComparison.Ordinal);
        }, "the reload");

        // Nothing flushes a removed rule's counters later: the reload itself gives the lease back and writes the spend
        // (of the requests the rule still saw: at most all of them, at least the first).
        await Poll.UntilAsync(async () => await _redis.CommandAsync("HGET", key, "reserved") == "0", "the lease back in Redis");
        Assert.InRange(long.Parse((await _redis.CommandAsync("HGET", key, "spent"))!), 800_000, served * 800_000L);
    }

    [Fact]
    public async Task Two_replicas_share_one_budget_and_its_alerts()
    {
        var replicas = new[] { await StartAsync(), await StartAsync() };
        var before = await _redis.ScriptCallsAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var r = await replicas[i % 2].Chat("fake/gpt-4o", stream: true, extra: ""","max_tokens":10,"stream_options":{"include_usage":true}""");
            await r.Content.ReadAsStringAsync();
            statuses.Add(r.StatusCode);
        }

        // $0.01 at $0.002 a request, wherever it was served: 5, then refusals on both replicas.
        Assert.All(replicas, r => Assert.False(r.Output.Any(l => l.Contains("Limits store (Redis) unavailable", StringComparison.Ordinal)), string.Join("\n", r.Output)));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(5));
        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 1), "the 50% alert");
        Assert.Equal(50, JsonDocument.Parse(_webhook.Requests.Single().Body).RootElement.GetProperty("threshold_percent").GetInt32());
        // Each request reserved more than a slice: reserved and released in Redis directly, 2 calls per admitted request.
        Assert.InRange(await _redis.ScriptCallsAsync() - before, 10, 16);
    }
}
