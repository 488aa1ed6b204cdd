namespace Gateway.FunctionalTests.Tracing.Otlp;

/// <summary>A span as the collector received it. Ids are lowercase hex; a root has an empty ParentSpanId.</summary>
public sealed class ReceivedSpan
{
    public const int KindInternal = 1;
    public const int KindServer = 2;
    public const int KindClient = 3;
    public const int StatusUnset = 0;
    public const int StatusOk = 1;
    public const int StatusError = 2;

    public string TraceId { get; set; } = "";
    public string SpanId { get; set; } = "";
    public string ParentSpanId { get; set; } = "";
    public string TraceState { get; set; } = "";
    public string Name { get; set; } = "";
    public int Kind { get; set; }
    public ulong StartUnixNano { get; set; }
    public ulong EndUnixNano { get; set; }
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
    public List<ReceivedEvent> Events { get; } = [];
    public int StatusCode { get; set; }
    public string StatusMessage { get; set; } = "";
    public Dictionary<string, object?> Resource { get; set; } = new(StringComparer.Ordinal);
    public string ScopeName { get; set; } = "";

    public object? this[string key] => Attributes.TryGetValue(key, out var v) ? v : null;
    public string? Str(string key) => this[key] as string;
    public long? Int(string key) => this[key] as long?;
    public double? Double(string key) => this[key] switch { double d => d, long l => l, _ => null };
    public bool? Bool(string key) => this[key] as bool?;

    public override string ToString() => $"{Name} {SpanId} <- {ParentSpanId}";
}

public sealed record ReceivedEvent(string Name, ulong TimeUnixNano, Dictionary<string, object?> Attributes);

/// <summary>One data point of a histogram (the GenAI metrics are all histograms).</summary>
public sealed record HistogramPoint(Dictionary<string, object?> Attributes, ulong Count, double Sum);

public sealed class ReceivedMetric
{
    public string Name { get; set; } = "";
    public string Unit { get; set; } = "";
    public List<HistogramPoint> Points { get; } = [];
    public Dictionary<string, object?> Resource { get; set; } = new(StringComparer.Ordinal);
}
