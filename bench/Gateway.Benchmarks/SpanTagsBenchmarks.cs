using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Gateway.Proxy;
using Gateway.Tracing;

namespace Gateway.Benchmarks;

/// <summary>
/// Starting the chat span on <see cref="GatewayActivitySource"/> and setting the request and response
/// tags a <c>chatCompletions</c> span carries (keys from <see cref="SpanAttributes"/>), with a listener
/// that records everything, as the OTLP exporter's does. A starting point: the tracing work replaces
/// the body with the real tag-building code once it lands (issue #6 note in allocation-budgets.txt).
/// </summary>
[MemoryDiagnoser]
public class SpanTagsBenchmarks
{
    private ActivityListener? _listener;
    private RequestHead _head;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayActivitySource.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        if (!RequestHead.TryRead(Payloads.TypicalChatBody, out _head, out _)) throw new InvalidOperationException("typical body rejected");
    }

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();

    [Benchmark]
    public Activity? ChatSpan_Recorded() => SpanTagsWork.ChatSpan(in _head);
}

/// <summary>The same span code with nobody listening: DESIGN.md decision 5 says this costs nothing.</summary>
[MemoryDiagnoser]
public class SpanNoListenerBenchmarks
{
    private RequestHead _head;

    [GlobalSetup]
    public void Setup()
    {
        if (!RequestHead.TryRead(Payloads.TypicalChatBody, out _head, out _)) throw new InvalidOperationException("typical body rejected");
    }

    [Benchmark]
    public Activity? ChatSpan_NoListener() => SpanTagsWork.ChatSpan(in _head);
}

internal static class SpanTagsWork
{
    public static Activity? ChatSpan(in RequestHead head)
    {
        var activity = GatewayActivitySource.Instance.StartActivity(SpanNames.ChatCompletions, ActivityKind.Server);
        if (activity is null) return null;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(SpanAttributes.TfySpanType, SpanTypes.ChatCompletion);
            activity.SetTag(SpanAttributes.GenAiOperationName, "chat");
            activity.SetTag(SpanAttributes.GenAiSystem, "openai");
            activity.SetTag(SpanAttributes.GenAiRequestModel, head.Model);
            activity.SetTag(SpanAttributes.TfyRequestModelName, head.Model);
            activity.SetTag(SpanAttributes.GenAiRequestStream, head.Stream);
            if (head.MaxTokens is long max) activity.SetTag(SpanAttributes.GenAiRequestMaxTokens, max);
            if (head.Temperature is double t) activity.SetTag(SpanAttributes.GenAiRequestTemperature, t);
            if (head.TopP is double p) activity.SetTag(SpanAttributes.GenAiRequestTopP, p);
            // Response side, as set when the exchange ends.
            activity.SetTag(SpanAttributes.GenAiResponseModel, "gpt-4o-2024-08-06");
            activity.SetTag(SpanAttributes.GenAiUsageInputTokens, 42L);
            activity.SetTag(SpanAttributes.GenAiUsageOutputTokens, 64L);
            activity.SetTag(SpanAttributes.TfyModelMetricTimeToFirstTokenInMs, 212.5);
            activity.SetTag(SpanAttributes.TfyModelMetricLatencyInMs, 1480.25);
            activity.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
        }
        activity.Stop();
        return activity;
    }
}
