using System.Diagnostics.Metrics;

namespace Gateway.Tracing;

/// <summary>
/// The GenAI metrics of ../shared/reference/genai-semconv.md, with the bucket boundaries the convention
/// advises. One Meter per gateway instance; recording costs a flag check when no MeterProvider listens.
/// </summary>
internal sealed class GenAiMetrics : IDisposable
{
    public const string MeterName = GatewayActivitySource.Name;

    // Spec (gen-ai-metrics.md): explicit bucket boundaries advised for each instrument.
    private static readonly int[] s_tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] s_durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] s_ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] s_tpotBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];

    private readonly Meter _meter;

    /// <param name="owner">The gateway the meter belongs to (<see cref="Meter.Scope"/>, never exported): with several gateways in one process, each MeterProvider reads only its own (GatewayTelemetry.Register).</param>
    public GenAiMetrics(object? owner = null)
    {
        _meter = new Meter(MeterName, "0.1.0", tags: null, scope: owner);
        TokenUsage = _meter.CreateHistogram<int>(MetricNames.TokenUsage, "{token}", "Number of input and output tokens used.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = s_tokenBuckets });
        OperationDuration = _meter.CreateHistogram<double>(MetricNames.OperationDuration, "s", "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        TimeToFirstToken = _meter.CreateHistogram<double>(MetricNames.TimeToFirstToken, "s", "Time to generate first token for successful responses.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_ttftBuckets });
        TimePerOutputToken = _meter.CreateHistogram<double>(MetricNames.TimePerOutputToken, "s", "Time per output token generated after the first token for successful responses.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_tpotBuckets });
    }

    public Histogram<int> TokenUsage { get; }
    public Histogram<double> OperationDuration { get; }
    public Histogram<double> TimeToFirstToken { get; }
    public Histogram<double> TimePerOutputToken { get; }

    public bool Enabled => TokenUsage.Enabled || OperationDuration.Enabled || TimeToFirstToken.Enabled || TimePerOutputToken.Enabled;

    public void Dispose() => _meter.Dispose();
}
