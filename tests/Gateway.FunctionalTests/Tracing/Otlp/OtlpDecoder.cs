namespace Gateway.FunctionalTests.Tracing.Otlp;

/// <summary>
/// Decodes ExportTraceServiceRequest and ExportMetricsServiceRequest (opentelemetry-proto, field numbers from
/// trace/v1/trace.proto, metrics/v1/metrics.proto and common/v1/common.proto). Unknown fields are skipped,
/// as protobuf requires.
/// </summary>
public static class OtlpDecoder
{
    public static List<ReceivedSpan> DecodeTraces(ReadOnlySpan<byte> request)
    {
        var spans = new List<ReceivedSpan>();
        var r = new ProtoReader(request);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) ResourceSpans(r.ReadBytes(), spans);
            else r.Skip(wire);
        }
        return spans;
    }

    private static void ResourceSpans(ReadOnlySpan<byte> data, List<ReceivedSpan> spans)
    {
        var resource = new Dictionary<string, object?>(StringComparer.Ordinal);
        var first = spans.Count;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) resource = Resource(r.ReadBytes());
            else if (field == 2 && wire == ProtoReader.LengthDelimited) ScopeSpans(r.ReadBytes(), spans);
            else r.Skip(wire);
        }
        // The resource may come after the spans on the wire; attach it to all of them.
        for (var i = first; i < spans.Count; i++) spans[i].Resource = resource;
    }

    private static Dictionary<string, object?> Resource(ReadOnlySpan<byte> data)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) KeyValue(r.ReadBytes(), attributes);
            else r.Skip(wire);
        }
        return attributes;
    }

    private static void ScopeSpans(ReadOnlySpan<byte> data, List<ReceivedSpan> spans)
    {
        var scope = "";
        var first = spans.Count;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) scope = ScopeName(r.ReadBytes());
            else if (field == 2 && wire == ProtoReader.LengthDelimited) spans.Add(Span(r.ReadBytes()));
            else r.Skip(wire);
        }
        for (var i = first; i < spans.Count; i++) spans[i].ScopeName = scope;
    }

    private static string ScopeName(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) return r.ReadString();
            r.Skip(wire);
        }
        return "";
    }

    private static ReceivedSpan Span(ReadOnlySpan<byte> data)
    {
        var span = new ReceivedSpan();
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: span.TraceId = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 2: span.SpanId = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 3: span.TraceState = r.ReadString(); break;
                case 4: span.ParentSpanId = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 5: span.Name = r.ReadString(); break;
                case 6: span.Kind = (int)r.ReadVarint(); break;
                case 7: span.StartUnixNano = r.ReadFixed64(); break;
                case 8: span.EndUnixNano = r.ReadFixed64(); break;
                case 9: KeyValue(r.ReadBytes(), span.Attributes); break;
                case 11: span.Events.Add(Event(r.ReadBytes())); break;
                case 15: Status(r.ReadBytes(), span); break;
                default: r.Skip(wire); break;
            }
        }
        return span;
    }

    private static ReceivedEvent Event(ReadOnlySpan<byte> data)
    {
        ulong time = 0;
        var name = "";
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: time = r.ReadFixed64(); break;
                case 2: name = r.ReadString(); break;
                case 3: KeyValue(r.ReadBytes(), attributes); break;
                default: r.Skip(wire); break;
            }
        }
        return new ReceivedEvent(name, time, attributes);
    }

    private static void Status(ReadOnlySpan<byte> data, ReceivedSpan span)
    {
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 2 && wire == ProtoReader.LengthDelimited) span.StatusMessage = r.ReadString();
            else if (field == 3 && wire == ProtoReader.Varint) span.StatusCode = (int)r.ReadVarint();
            else r.Skip(wire);
        }
    }

    private static void KeyValue(ReadOnlySpan<byte> data, Dictionary<string, object?> into)
    {
        var key = "";
        object? value = null;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) key = r.ReadString();
            else if (field == 2 && wire == ProtoReader.LengthDelimited) value = AnyValue(r.ReadBytes());
            else r.Skip(wire);
        }
        into[key] = value;
    }

    private static object? AnyValue(ReadOnlySpan<byte> data)
    {
        object? value = null;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: value = r.ReadString(); break;
                case 2: value = r.ReadVarint() != 0; break;
                case 3: value = (long)r.ReadVarint(); break;
                case 4: value = r.ReadDouble(); break;
                case 5: value = ArrayValue(r.ReadBytes()); break;
                case 6:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    var kv = new ProtoReader(r.ReadBytes());
                    while (kv.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == ProtoReader.LengthDelimited) KeyValue(kv.ReadBytes(), map);
                        else kv.Skip(w);
                    }
                    value = map;
                    break;
                case 7: value = r.ReadBytes().ToArray(); break;
                default: r.Skip(wire); break;
            }
        }
        return value;
    }

    private static object?[] ArrayValue(ReadOnlySpan<byte> data)
    {
        var values = new List<object?>();
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) values.Add(AnyValue(r.ReadBytes()));
            else r.Skip(wire);
        }
        return [.. values];
    }

    public static List<ReceivedMetric> DecodeMetrics(ReadOnlySpan<byte> request)
    {
        var metrics = new List<ReceivedMetric>();
        var r = new ProtoReader(request);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) ResourceMetrics(r.ReadBytes(), metrics);
            else r.Skip(wire);
        }
        return metrics;
    }

    private static void ResourceMetrics(ReadOnlySpan<byte> data, List<ReceivedMetric> metrics)
    {
        var resource = new Dictionary<string, object?>(StringComparer.Ordinal);
        var first = metrics.Count;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) resource = Resource(r.ReadBytes());
            else if (field == 2 && wire == ProtoReader.LengthDelimited)
            {
                var scope = new ProtoReader(r.ReadBytes());
                while (scope.TryReadTag(out var f, out var w))
                {
                    if (f == 2 && w == ProtoReader.LengthDelimited) metrics.Add(Metric(scope.ReadBytes()));
                    else scope.Skip(w);
                }
            }
            else r.Skip(wire);
        }
        for (var i = first; i < metrics.Count; i++) metrics[i].Resource = resource;
    }

    private static ReceivedMetric Metric(ReadOnlySpan<byte> data)
    {
        var metric = new ReceivedMetric();
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: metric.Name = r.ReadString(); break;
                case 3: metric.Unit = r.ReadString(); break;
                case 9:
                    var histogram = new ProtoReader(r.ReadBytes());
                    while (histogram.TryReadTag(out var f, out var w))
                    {
                        if (f == 1 && w == ProtoReader.LengthDelimited) metric.Points.Add(HistogramPoint(histogram.ReadBytes()));
                        else histogram.Skip(w);
                    }
                    break;
                default: r.Skip(wire); break;
            }
        }
        return metric;
    }

    private static HistogramPoint HistogramPoint(ReadOnlySpan<byte> data)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        ulong count = 0;
        double sum = 0;
        var r = new ProtoReader(data);
        while (r.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 9: KeyValue(r.ReadBytes(), attributes); break;
                case 4 when wire == ProtoReader.Fixed64: count = r.ReadFixed64(); break;
                case 5 when wire == ProtoReader.Fixed64: sum = r.ReadDouble(); break;
                default: r.Skip(wire); break;
            }
        }
        return new HistogramPoint(attributes, count, sum);
    }
}
