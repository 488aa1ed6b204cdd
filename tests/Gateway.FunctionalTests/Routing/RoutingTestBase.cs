using Gateway.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.FunctionalTests.Routing;

/// <summary>Three fake upstreams A, B, C (providers a, b, c serving model m) and a gateway each test starts with its own routing YAML.</summary>
public abstract class RoutingTestBase : IAsyncLifetime
{
    protected FakeUpstream A { get; private set; } = null!;
    protected FakeUpstream B { get; private set; } = null!;
    protected FakeUpstream C { get; private set; } = null!;
    protected GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var started = await Task.WhenAll(FakeUpstream.StartAsync(), FakeUpstream.StartAsync(), FakeUpstream.StartAsync());
        (A, B, C) = (started[0], started[1], started[2]);
        foreach (var (u, name) in new[] { (A, "A"), (B, "B"), (C, "C") })
        {
            u.Handler = (ctx, body) => System.Text.Encoding.UTF8.GetString(body).Contains("\"stream\":true")
                ? FakeResponses.Stream(ctx, ["from ", name])
                : FakeResponses.Completion(ctx, "from " + name);
        }
    }

    /// <summary>
    /// The in-process gateway's routing clock, when the test asked for a fake one: cool-downs pass when the
    /// test says (<see cref="PassTime"/>). Null against the binary, whose clock is real.
    /// </summary>
    protected FakeTimeProvider? Clock { get; private set; }

    /// <param name="fakeClock">In process, run routing health on <see cref="Clock"/>, which only the test moves.</param>
    protected async Task StartGatewayAsync(string routingYaml, string server = "sse_keepalive_ms: 0", IReadOnlyDictionary<string, string>? env = null, bool fakeClock = false)
    {
        Clock = fakeClock && !GatewayUnderTest.UsesBinary ? new FakeTimeProvider() : null;
        Gateway = await GatewayUnderTest.StartAsync(RoutingConfigs.With([A, B, C], routingYaml, server), env, Clock);
    }

    /// <summary>
    /// Lets <paramref name="ms"/> pass on the gateway's routing clock: at once in process; against the binary
    /// real time passes on its own, and the test polls for the effect.
    /// </summary>
    protected void PassTime(int ms) => Clock?.Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Sends requests until the last <paramref name="run"/> answers all satisfy <paramref name="done"/>; returns every answer.</summary>
    protected static async Task<List<string>> RequestUntilAsync(Func<Task<string>> send, Func<string, bool> done, int run = 1, int timeoutMs = 15_000)
    {
        var answers = new List<string>();
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (answers.Count < run || !answers.TakeLast(run).All(done))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"answers so far: {string.Join(", ", answers)}");
            answers.Add(await send());
        }
        return answers;
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null) await Gateway.DisposeAsync();
        await Task.WhenAll(A.DisposeAsync().AsTask(), B.DisposeAsync().AsTask(), C.DisposeAsync().AsTask());
    }

    /// <summary>A virtual model <c>vm</c> trying a, then b, then c (priority order).</summary>
    protected static string PriorityModel(string a = "", string b = "", string c = "", string name = "vm") => $$"""
        virtual_models:
          - name: {{name}}
            routing_config:
              type: priority-based-routing
              load_balance_targets:
                - {target: a/m, priority: 0{{a}}}
                - {target: b/m, priority: 1{{b}}}
                - {target: c/m, priority: 2{{c}}}
        """;

    protected const string NoRetry = ", retry_config: {attempts: 0}";
}
