using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Budgets over the real HTTP stack (in process and against the AOT binary). The model is priced so that every
/// answer (5 prompt + 3 completion tokens, reported in the stream's final chunk) costs exactly $0.002.
/// Streams are used because a stream's end reaches the client only after the gateway settled its cost.
/// </summary>
public sealed class BudgetTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private FakeUpstream _webhook = null!;
    private GatewayUnderTest? _gateway;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _webhook = await FakeUpstream.StartAsync();
        _webhook.Handler = (ctx, _) => Task.CompletedTask;
        _upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private async Task<GatewayUnderTest> StartAsync(string budgets)
    {
        _gateway = await GatewayUnderTest.StartAsync(Configs.Priced(_upstream) + "\n" + budgets);
        return _gateway;
    }

    /// <summary>Sends streams one after another until one is refused; returns how many were served and the refusal.</summary>
    private static async Task<(int Served, HttpResponseMessage Refused)> SpendAsync(GatewayUnderTest gateway, int max = 20)
    {
        for (var served = 0; served < max; served++)
        {
            var response = await gateway.Chat("fake/gpt-4o", stream: true, extra: ""","max_tokens":10,"stream_options":{"include_usage":true}""");
            if (response.StatusCode != HttpStatusCode.OK) return (served, response);
            await response.Content.ReadAsStringAsync();
            response.Dispose();
        }
        throw new Xunit.Sdk.XunitException($"{max} requests served, none refused");
    }

    [Fact]
    public async Task A_one_cent_daily_budget_blocks_once_spent_and_overspends_by_at_most_what_was_in_flight()
    {
        var gateway = await StartAsync("""
            budget_limiting:
              type: gateway-budget-config
              rules:
                - id: daily-cent
                  unit: cost_per_day
                  limit_to: 0.01
            """);

        var (served, refused) = await SpendAsync(gateway);

        // 5 × $0.002 reaches $0.01 exactly: the sixth finds nothing left. One at a time, nothing is in flight: no overspend.
        Assert.Equal(5, served);
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Contains("'daily-cent'", error.GetProperty("message").GetString());
        // Until the next UTC midnight.
        Assert.InRange(int.Parse(refused.Headers.GetValues("retry-after").Single()), 1, 86_400);
        Assert.Equal(5, _upstream.Requests.Count);
        refused.Dispose();
    }

    [Fact]
    public async Task Concurrent_requests_overspend_at_most_by_the_requests_in_flight_when_the_budget_ran_out()
    {
        var gateway = await StartAsync("""
            budget_limiting:
              rules:
                - id: daily-cent
                  unit: cost_per_day
                  limit_to: 0.01
            """);
        _upstream.Handler = async (ctx, _) =>
        {
            await Task.Delay(20, ctx.RequestAborted);
            await Sse.WriteAsync(ctx, [Sse.Chunk("a"), Sse.Chunk("b", "stop"), Sse.Usage]);
        };

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            using var r = await gateway.Chat("fake/gpt-4o", stream: true, extra: ""","max_tokens":10,"stream_options":{"include_usage":true}""");
            await r.Content.ReadAsStringAsync();
            return r.StatusCode;
        }));

        // A request reserves its maximum cost (~140 body bytes and 10 output tokens at $250/M: ~$0.04, more than the
        // budget), so while one is in flight no other is admitted: the spend never passes $0.01 + one request.
        var served = responses.Count(s => s == HttpStatusCode.OK);
        Assert.InRange(served, 1, 5);
        Assert.Equal(30 - served, responses.Count(s => s == (HttpStatusCode)429));
    }

    [Fact]
    public async Task Audit_mode_records_spend_and_alerts_but_never_blocks()
    {
        var gateway = await StartAsync($$"""
            budget_limiting:
              rules:
                - id: audited
                  unit: cost_per_month
                  limit_to: 0.004
                  audit_mode: true
                  alerts:
                    thresholds: [100]
                    notification_target: [{type: webhook, url: "{{_webhook.Origin}}/alerts"}]
            """);

        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.Chat("fake/gpt-4o", stream: true, extra: ""","stream_options":{"include_usage":true}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 1), "the 100% alert");
        var alert = JsonDocument.Parse(_webhook.Requests.Single().Body).RootElement;
        Assert.True(alert.GetProperty("audit_mode").GetBoolean());
        Assert.Equal(100, alert.GetProperty("threshold_percent").GetInt32());
    }

    [Fact]
    public async Task An_alert_webhook_receives_each_threshold_once()
    {
        var gateway = await StartAsync($$"""
            budget_limiting:
              rules:
                - id: per-app
                  unit: cost_per_week
                  limit_to: 0.008
                  budget_applies_per: [metadata.app]
                  alerts:
                    thresholds: [25, 50, 75, 100]
                    notification_target:
                      - {type: log}
                      - type: webhook
                        url: "{{_webhook.Origin}}/alerts"
                        headers: {x-alert-token: s3cret }
            """);

        // $0.002 a request: 25, 50, 75 and 100 % after the 1st to 4th; the 5th is refused and alerts nothing new.
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.Chat("fake/gpt-4o", stream: true, extra: ""","stream_options":{"include_usage":true}""", headers: ("x-tfy-metadata", """{"app":"billing"}"""));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(i < 4 ? HttpStatusCode.OK : (HttpStatusCode)429, response.StatusCode);
        }

        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 4), "four alerts");
        var alerts = _webhook.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).OrderBy(a => a.GetProperty("threshold_percent").GetInt32()).ToList();
        Assert.Equal([25, 50, 75, 100], alerts.Select(a => a.GetProperty("threshold_percent").GetInt32()));
        Assert.All(_webhook.Requests, r => Assert.Equal("s3cret", r.Headers["x-alert-token"]));
        Assert.All(_webhook.Requests, r => Assert.Equal("/alerts", r.Path));
        var last = alerts[^1];
        Assert.Equal("budget_alert", last.GetProperty("type").GetString());
        Assert.Equal("per-app", last.GetProperty("rule_id").GetString());
        Assert.Equal("billing", last.GetProperty("key").GetString());
        Assert.Equal(0.008, last.GetProperty("spent_usd").GetDouble(), 9);
        Assert.Equal(0.008, last.GetProperty("limit_usd").GetDouble());
        Assert.Equal("cost_per_week", last.GetProperty("unit").GetString());
        Assert.Equal(DayOfWeek.Monday, last.GetProperty("period_start").GetDateTimeOffset().DayOfWeek);
        // Another app has its own counter: its first request is admitted and crosses its own 25 %, once.
        using var other = await gateway.Chat("fake/gpt-4o", stream: true, extra: ""","stream_options":{"include_usage":true}""", headers: ("x-tfy-metadata", """{"app":"search"}"""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        await other.Content.ReadAsStringAsync();
        await Poll.UntilAsync(() => Task.FromResult(_webhook.Requests.Count >= 5), "the other app's first alert");
        var byKey = _webhook.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .GroupBy(a => a.GetProperty("key").GetString()).ToDictionary(g => g.Key!, g => g.Select(a => a.GetProperty("threshold_percent").GetInt32()).Order().ToArray());
        Assert.Equal([25, 50, 75, 100], byKey["billing"]);
        Assert.Equal([25], byKey["search"]);
    }
}
