using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Benchmarks;

/// <summary>
/// <see cref="Router.TryPlan"/>: a provider model by name (one-step plan, cached), and a weighted
/// virtual model over three targets (the load balancer picks the order on every request).
/// </summary>
[MemoryDiagnoser]
public class RouterBenchmarks
{
    private const string Yaml = """
        span_store:
          enabled: false
        providers:
          - {name: m1, type: mock, token_delay_ms: 0, models: [m]}
          - {name: m2, type: mock, token_delay_ms: 0, models: [m]}
          - {name: m3, type: mock, token_delay_ms: 0, models: [m]}
        virtual_models:
          - name: vm
            routing_config:
              type: weight-based-routing
              load_balance_targets:
                - {target: m1/m, weight: 34}
                - {target: m2/m, weight: 33}
                - {target: m3/m, weight: 33}
        """;

    private GatewayRuntime _runtime = null!;
    private Exchange _direct = null!;
    private Exchange _virtual = null!;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new GatewayRuntime(ConfigLoader.Load(Yaml, "bench.yaml", _ => null));
        _direct = Exchange("m1/m");
        _virtual = Exchange("vm");
    }

    [GlobalCleanup]
    public void Cleanup() => _runtime.Dispose();

    [Benchmark(Baseline = true)]
    public int TryPlan_Direct() => Router.TryPlan(_runtime.Current.Routing, _direct, Providers.Operation.Chat, null, out var plan, out _) ? plan.Steps.Count : 0;

    [Benchmark]
    public int TryPlan_WeightedVirtualModel() => Router.TryPlan(_runtime.Current.Routing, _virtual, Providers.Operation.Chat, null, out var plan, out _) ? plan.Steps.Count : 0;

    private static Exchange Exchange(string model)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""");
        if (!RequestHead.TryRead(body, out var head, out _)) throw new InvalidOperationException("body rejected");
        return new Exchange { Operation = Providers.Operation.Chat, StartTimestamp = 0, Head = head };
    }
}
