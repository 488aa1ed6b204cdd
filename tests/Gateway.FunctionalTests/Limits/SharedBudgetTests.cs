using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// A budget shared by two replicas through a real redis-server (pain point 4: a budget that holds, whichever
/// replica serves). Priced as in <see cref="BudgetTests"/>: every stream costs exactly $0.002.
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

    private async Task<GatewayUnderTest> StartAsync()
    {
        var gateway = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: fake
                type: openai
                base_url: {{_upstream.BaseUrl}}
                api_key: sk-test
                models:
                  - name: gpt-4o
                    upstream_model: gpt-4o-2024
                    price: {input_per_million_tokens: 250, output_per_million_tokens: 250}
            limits_store:
              type: redis
              url: {{_redis.Url}}
            budget_limiting:
              rules:
                - id: shared-cent
                  unit: cost_per_day
                  limit_to: 0.01
                  alerts:
                    thresholds: [50]
                    notification_target: [{type: webhook, url: "{{_webhook.Origin}}/alerts"}]
            """);
        _gateways.Add(gateway);
        return gateway;
    }

    [Fact]
    public async Task Two_replicas_share_one_budget_and_its_alerts()
    {
        var replicas = new[] { await StartAsync(), await StartAsync() };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var r = await replicas[i % 2].Chat("fake/gpt-4o", stream: true, extra: ""","max_tokens":10,"stream_options":{"include_usage":true}""");
            await r.Content.ReadAsStringAsync();
            statuses.Add(r.StatusCode);
        }

        // $0.01 at $0.002 a request, wherever it was served: 5, then refusals on both replicas.
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(5));
        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 1), "the 50% alert");
        Assert.Equal(50, JsonDocument.Parse(_webhook.Requests.Single().Body).RootElement.GetProperty("threshold_percent").GetInt32());
    }
}
