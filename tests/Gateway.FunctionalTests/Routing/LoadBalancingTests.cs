using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Routing;

public sealed class LoadBalancingTests : RoutingTestBase
{
    private static string Served(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    private async Task<string> ServedBy(string model, params (string, string)[] headers)
    {
        using var response = await Gateway.Chat(model, headers: headers);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Served(await response.Content.ReadAsStringAsync())[^1..];
    }

    [Fact]
    public async Task WeightBased_SplitsByWeight_AndIsListedAsAModel()
    {
        await StartGatewayAsync("""
            virtual_models:
              - name: split
                routing_config:
                  type: weight-based-routing
                  load_balance_targets:
                    - {target: a/m, weight: 50}
                    - {target: b/m, weight: 30}
                    - {target: c/m, weight: 20}
            """);

        var served = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) => served.Add(await ServedBy("split")));

        Assert.InRange(served.Count(s => s == "A"), 96, 104);
        Assert.InRange(served.Count(s => s == "B"), 56, 64);
        Assert.InRange(served.Count(s => s == "C"), 36, 44);
        var models = await Gateway.Client.GetStringAsync("/v1/models");
        Assert.Contains("{\"id\":\"split\",\"object\":\"model\",\"created\":0,\"owned_by\":\"virtual-model\"}", models);
    }

    [Fact]
    public async Task LatencyBased_MovesAwayFromAnUpstreamThatSlowsDown_AndNoticesItsRecovery()
    {
        await StartGatewayAsync("""
            virtual_models:
              - name: fastest
                routing_config:
                  type: latency-based-routing
                  load_balance_targets:
                    - target: a/m
                    - target: b/m
            routing: {health: {cooldown_ms: 1000}}
            """, fakeClock: true);
        var delayA = 0;
        var delayB = 300;
        A.Handler = (ctx, _) => FakeResponses.Completion(ctx, "from A", Volatile.Read(ref delayA));
        B.Handler = (ctx, _) => FakeResponses.Completion(ctx, "from B", Volatile.Read(ref delayB));

        // Both are measured once, then the fast one takes the traffic.
        var phase1 = new List<string>();
        for (var i = 0; i < 8; i++) phase1.Add(await ServedBy("fastest"));
        Assert.Equal(["A", "B"], phase1.Take(2).Order());
        Assert.All(phase1.Skip(2), s => Assert.Equal("A", s));

        // A slows down. Once B's numbers are older than the cool-down, B gets a probe, measures fast, and
        // the traffic moves to it.
        Volatile.Write(ref delayA, 300);
        Volatile.Write(ref delayB, 0);
        PassTime(1001);
        var phase2 = await RequestUntilAsync(() => ServedBy("fastest"), s => s == "B", run: 4);
        // On the fake clock the probe comes with the next requests, not after a second of real time.
        if (Clock is not null) Assert.Contains("B", phase2.Take(2));

        // A recovers while B slows: A's stale numbers earn it a probe, and the traffic comes back.
        Volatile.Write(ref delayA, 0);
        Volatile.Write(ref delayB, 300);
        PassTime(1001);
        var phase3 = await RequestUntilAsync(() => ServedBy("fastest"), s => s == "A", run: 3);
        if (Clock is not null) Assert.Contains("A", phase3.Take(2));
    }

    [Fact]
    public async Task PriorityBased_SlaCutoffOnTimePerOutputToken_Streams()
    {
        await StartGatewayAsync("""
            virtual_models:
              - name: tiered
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - {target: a/m, priority: 0, sla_cutoff: {time_per_output_token_ms: 25}}
                    - {target: b/m, priority: 1}
            routing: {health: {cooldown_ms: 1500}}
            """, fakeClock: true);
        A.Handler = (ctx, _) => FakeResponses.Stream(ctx, ["a1", "a2", "a3", "a4"], gapMs: 80);

        async Task<string> Stream()
        {
            using var response = await Gateway.Chat("tiered", stream: true);
            return FakeResponses.StreamedText(await response.Content.ReadAsStringAsync());
        }

        Assert.Equal("a1a2a3a4", await Stream());
        // About 80 ms per token against a 25 ms cut-off: the next target takes over.
        Assert.Equal("from B", await Stream());
        Assert.Equal("from B", await Stream());
        // After a cool-down without samples, the preferred target is tried (and measured) again: in process
        // at once on the fake clock; against the binary once real time has passed it.
        PassTime(1501);
        var recovered = await RequestUntilAsync(Stream, s => s == "a1a2a3a4");
        Assert.All(recovered.SkipLast(1), s => Assert.Equal("from B", s));
        if (Clock is not null) Assert.Single(recovered);
        Assert.Equal(2, A.Requests.Count);
    }

    [Fact]
    public async Task PriorityBased_SlaCutoffOnTimePerOutputToken_NonStreamUsesReportedUsage()
    {
        await StartGatewayAsync("""
            virtual_models:
              - name: tiered
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - {target: a/m, sla_cutoff: {time_per_output_token_ms: 20}}
                    - {target: b/m}
            """);
        A.Handler = (ctx, _) => FakeResponses.Completion(ctx, "from A", delayMs: 300, completionTokens: 5);

        Assert.Equal("A", await ServedBy("tiered"));
        Assert.Equal("B", await ServedBy("tiered"));
    }

    [Fact]
    public async Task Rules_MatchBySubjectModelAndMetadata_FirstMatchWins()
    {
        static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        await StartGatewayAsync($$"""
            auth:
              api_keys:
                - key_hash: {{Hash("sk-alice-12345")}}
                  subject: user:alice@x.com
                  teams: [eng]
                - key_hash: {{Hash("sk-bob-1234567")}}
                  subject: user:bob@x.com
            routing:
              rules:
                - id: eng-to-b
                  type: weight-based-routing
                  when: {subjects: [team:eng], models: [a/m]}
                  load_balance_targets: [{target: b/m, weight: 100}]
                - id: canary-to-c
                  type: priority-based-routing
                  when:
                    models: [a/m]
                    metadata: {env: canary}
                  load_balance_targets: [{target: c/m}]
            """);

        async Task<string> As(string key, string? metadata = null)
        {
            using var response = metadata is null
                ? await Gateway.Chat("a/m", key: key)
                : await Gateway.Chat("a/m", key: key, headers: ("x-tfy-metadata", metadata));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Served(await response.Content.ReadAsStringAsync())[^1..];
        }

        Assert.Equal("B", await As("sk-alice-12345"));
        Assert.Equal("B", await As("sk-alice-12345", """{"env":"canary"}"""));
        Assert.Equal("C", await As("sk-bob-1234567", """{"env":"canary","x":"y"}"""));
        Assert.Equal("A", await As("sk-bob-1234567", """{"env":"prod"}"""));
        Assert.Equal("A", await As("sk-bob-1234567"));
    }
}
