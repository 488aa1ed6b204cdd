using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// <c>GET /api/limits/usage</c> and <c>gateway limits usage</c> (issue #12 item 8), in process and against the AOT
/// binary: used, limit, remaining and reset of every bucket; admins see all, others their own; OpenAI-style errors.
/// Every stream costs exactly $0.002 (as in <see cref="BudgetTests"/>).
/// </summary>
public sealed class LimitsUsageTests : IAsyncLifetime
{
    private const string AliceKey = "sk-usage-alice";
    private const string BobKey = "sk-usage-bob";
    private const string AdminKey = "sk-usage-admin";

    private FakeUpstream _upstream = null!;
    private RedisServer? _redis;
    private readonly List<GatewayUnderTest> _gateways = [];

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
    }

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways) await g.DisposeAsync();
        _redis?.Dispose();
        await _upstream.DisposeAsync();
    }

    private static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private async Task<GatewayUnderTest> StartAsync(string store = "")
    {
        var gateway = await GatewayUnderTest.StartAsync(Configs.Priced(_upstream) + $$"""

            auth:
              api_keys:
                - {key_hash: "{{Hash(AliceKey)}}", subject: "user:alice@example.com"}
                - {key_hash: "{{Hash(BobKey)}}", subject: "user:bob@example.com"}
                - {key_hash: "{{Hash(AdminKey)}}", subject: "user:admin@example.com", admin: true}
            {{store}}
            rate_limiting:
              rules:
                - id: per-user
                  limit_to: 100
                  unit: requests_per_day
                  rate_limit_applies_per: [user]
            budget_limiting:
              rules:
                - id: daily
                  unit: cost_per_day
                  limit_to: 1
                  budget_applies_per: [user]
            """);
        _gateways.Add(gateway);
        return gateway;
    }

    private static async Task SendAsync(GatewayUnderTest gateway, string key, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var r = await gateway.Chat("fake/gpt-4o", stream: true, key: key, extra: ""","max_tokens":10,"stream_options":{"include_usage":true}""");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            await r.Content.ReadAsStringAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> UsageAsync(GatewayUnderTest gateway, string? key, string query = "", HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, "/api/limits/usage" + query);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await gateway.Client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static JsonElement Rule(JsonElement body, string id) => body.GetProperty("data").EnumerateArray().Single(r => r.GetProperty("rule_id").GetString() == id);

    private static JsonElement[] Buckets(JsonElement body, string id) => [.. Rule(body, id).GetProperty("buckets").EnumerateArray()];

    private static string User(JsonElement bucket) => bucket.GetProperty("key").GetProperty("user").GetString()!;

    [Fact]
    public async Task Admins_see_every_bucket_with_used_limit_remaining_and_reset()
    {
        var gateway = await StartAsync();
        await SendAsync(gateway, AliceKey, 3);
        await SendAsync(gateway, BobKey, 1);

        var before = DateTimeOffset.UtcNow;
        var (status, body) = await UsageAsync(gateway, AdminKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("memory", body.GetProperty("store").GetString());
        var rule = Rule(body, "per-user");
        Assert.Equal("rate_limit", rule.GetProperty("type").GetString());
        Assert.Equal("requests_per_day", rule.GetProperty("unit").GetString());
        Assert.Equal(["user"], rule.GetProperty("applies_per").EnumerateArray().Select(p => p.GetString()));
        var rate = Buckets(body, "per-user");
        Assert.Equal(["user:alice@example.com", "user:bob@example.com"], rate.Select(User));
        Assert.Equal([3L, 1L], rate.Select(b => b.GetProperty("used").GetInt64()));
        Assert.Equal([97L, 99L], rate.Select(b => b.GetProperty("remaining").GetInt64()));
        Assert.All(rate, b => Assert.Equal(100, b.GetProperty("limit").GetInt64()));
        // Full again after the used requests refill: 864 s each at 100 a day.
        Assert.InRange(rate[0].GetProperty("reset_at").GetDateTimeOffset(), before.AddSeconds(3 * 864 - 60), before.AddSeconds(3 * 864 + 60));

        var budget = Buckets(body, "daily");
        Assert.Equal("budget", Rule(body, "daily").GetProperty("type").GetString());
        Assert.Equal(["user:alice@example.com", "user:bob@example.com"], budget.Select(User));
        Assert.Equal(0.006, budget[0].GetProperty("used").GetDouble(), 9);
        Assert.Equal(0.994, budget[0].GetProperty("remaining").GetDouble(), 9);
        Assert.Equal(0, budget[0].GetProperty("reserved").GetDouble());
        Assert.Equal(1, budget[0].GetProperty("limit").GetDouble());
        Assert.Equal(0.002, budget[1].GetProperty("used").GetDouble(), 9);
        // The period renews at the next UTC midnight.
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), budget[0].GetProperty("reset_at").GetDateTimeOffset().UtcDateTime);
    }

    [Fact]
    public async Task Other_callers_see_only_their_own_buckets()
    {
        var gateway = await StartAsync();
        await SendAsync(gateway, AliceKey, 2);
        await SendAsync(gateway, BobKey, 1);

        var (status, body) = await UsageAsync(gateway, BobKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["user:bob@example.com"], Buckets(body, "per-user").Select(User));
        Assert.Equal(1, Buckets(body, "per-user")[0].GetProperty("used").GetInt64());
        Assert.Equal(["user:bob@example.com"], Buckets(body, "daily").Select(User));

        (_, body) = await UsageAsync(gateway, AdminKey, "?rule_id=daily");
        Assert.Equal(["daily"], body.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("rule_id").GetString()));
        (_, body) = await UsageAsync(gateway, AdminKey, "?type=rate_limit");
        Assert.Equal(["per-user"], body.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("rule_id").GetString()));
    }

    [Theory]
    [InlineData("?bogus=1", null, 400, "unknown_parameter", "bogus")]
    [InlineData("?type=quota", null, 400, "invalid_value", "type")]
    [InlineData("?rule_id=nope", null, 404, "rule_not_found", "rule_id")]
    [InlineData("", "POST", 405, "method_not_allowed", null)]
    [InlineData("", "no-key", 401, "missing_api_key", null)]
    public async Task Bad_requests_get_openai_style_errors(string query, string? how, int status, string code, string? param)
    {
        var gateway = await StartAsync();

        var (actual, body) = await UsageAsync(gateway, how == "no-key" ? null : AdminKey, query, how == "POST" ? HttpMethod.Post : null);

        Assert.Equal(status, (int)actual);
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("type", out _));
        if (param is null) Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        else Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_cli_prints_a_table_or_the_json()
    {
        var gateway = await StartAsync();
        await SendAsync(gateway, AliceKey, 2);
        var url = gateway.BaseUrl.ToString();

        // The real executable (the AOT binary with GATEWAY_BINARY).
        var (code, stdout, stderr) = await GatewayProcess.RunAsync("limits", "usage", "--url", url, "--api-key", AliceKey);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("RULE", lines[0]);
        Assert.Matches(@"^per-user\s+rate_limit\s+requests_per_day\s+user=user:alice@example.com\s+2\s+100\s+98\s+\d{4}-", lines[1]);
        Assert.Matches(@"^daily\s+budget\s+cost_per_day\s+user=user:alice@example.com\s+0\.004\s+1\s+0\.996\s+\d{4}-", lines[2]);
        Assert.Equal(3, lines.Length);

        (code, stdout, _) = await GatewayProcess.RunAsync("limits", "usage", "--url", url, "--api-key", AdminKey, "--rule", "per-user", "-o", "json");
        Assert.Equal(0, code);
        Assert.Equal(2, JsonDocument.Parse(stdout).RootElement.GetProperty("data")[0].GetProperty("buckets")[0].GetProperty("used").GetInt64());

        (code, _, stderr) = await GatewayProcess.RunAsync("limits", "usage", "--url", url, "--api-key", AdminKey, "--rule", "nope");
        Assert.Equal(1, code);
        Assert.Contains("404 No rate limit or budget rule has the id 'nope'", stderr);
        (code, _, stderr) = await GatewayProcess.RunAsync("limits", "usage", "--url", url, "--type", "quota");
        Assert.Equal(2, code);
        Assert.Contains("See 'gateway limits usage --help'.", stderr);
    }

    [Fact]
    public async Task With_redis_the_usage_is_what_every_replica_shares()
    {
        _redis = await RedisServer.StartAsync();
        // Leases of one token: what Redis counts is exactly what the replicas admitted.
        var store = $"""
            limits_store:
              type: redis
              url: {_redis.Url}
              lease_percent: 1
              timeout_ms: 3000
            """;
        var a = await StartAsync(store);
        var b = await StartAsync(store);
        await SendAsync(a, AliceKey, 2);
        await SendAsync(b, AliceKey, 1);
        await SendAsync(b, BobKey, 1);

        var (status, body) = await UsageAsync(a, AdminKey, "?type=rate_limit");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("redis", body.GetProperty("store").GetString());
        var rate = Buckets(body, "per-user");
        Assert.Equal(["user:alice@example.com", "user:bob@example.com"], rate.Select(User));
        Assert.Equal([3L, 1L], rate.Select(b => b.GetProperty("used").GetInt64()));
        Assert.Equal([97L, 99L], rate.Select(b => b.GetProperty("remaining").GetInt64()));
        (_, body) = await UsageAsync(b, BobKey, "?type=rate_limit");
        Assert.Equal(["user:bob@example.com"], Buckets(body, "per-user").Select(User));

        _redis.Stop();
        (status, body) = await UsageAsync(a, AdminKey);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("limits_store_unavailable", body.GetProperty("error").GetProperty("code").GetString());
    }
}
