using BenchmarkDotNet.Attributes;
using Gateway.Limits;

namespace Gateway.Benchmarks;

/// <summary>
/// <see cref="TokenBucket"/>: an admitted acquire, a refused one (an empty bucket), and a settlement. Each is
/// one CAS on a 64-bit word; the budget is 0 B (DESIGN.md decision 4).
/// </summary>
[MemoryDiagnoser]
public class TokenBucketBenchmarks
{
    private TokenBucket _open = null!;
    private TokenBucket _empty = null!;
    private readonly long _now = 1;

    [GlobalSetup]
    public void Setup()
    {
        // A limit no benchmark run exhausts, and one exhausted up front.
        _open = new TokenBucket(1_000_000_000, 86_400_000, 0);
        _empty = new TokenBucket(1, 86_400_000, 0);
        _empty.TryAcquire(1, 0);
    }

    [Benchmark]
    public bool Acquire_Admitted()
    {
        var result = _open.TryAcquire(1, _now);
        // Settled at once, so the bucket never runs dry however long the run.
        _open.Adjust(-1, _now);
        return result.Allowed;
    }

    [Benchmark]
    public bool Acquire_Refused() => _empty.TryAcquire(1, _now).Allowed;

    /// <summary>Overuse taken, then given back: the two directions of a settlement.</summary>
    [Benchmark]
    public void Settle()
    {
        _open.Adjust(1, _now);
        _open.Adjust(-1, _now);
    }
}
