using BenchmarkDotNet.Attributes;
using Gateway.Tracing;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>tfy.request.metadata</c> of a request that sends <c>x-tfy-metadata</c> with three entries: built once per
/// request for all its spans (and again for the RateLimiterMiddleware span when rate limits apply).
/// </summary>
[MemoryDiagnoser]
public class MetadataJsonBenchmarks
{
    private readonly IReadOnlyDictionary<string, string> _metadata = new Dictionary<string, string>
    {
        ["team"] = "search",
        ["env"] = "prod",
        ["feature"] = "autocomplete",
    };

    [Benchmark]
    public string MetadataJson_ThreeEntries() => CompletionTags.MetadataJson(_metadata);
}
