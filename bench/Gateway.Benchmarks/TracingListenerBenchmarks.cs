using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Benchmarks;

/// <summary>
/// Everything <see cref="TracingListener"/> does for one non-streaming chat completion — root span,
/// Model span, network-call span and their seed attributes, with an ActivityListener that records
/// everything (as the OTLP exporter and the span store do) — with content capture on (the default:
/// <c>tfy.input</c>, prompt messages, <c>tfy.output</c>) and off. One operation is one request:
/// the Exchange and Attempt objects the proxy creates anyway are included (about 300 B).
/// </summary>
[MemoryDiagnoser]
public class TracingListenerBenchmarks
{
    /// <summary>One OpenAI model with a price, span store off; CAPTURE is true or false (also the export and span store encoder benchmarks).</summary>
    internal const string Yaml = """
        span_store:
          enabled: false
        tracing:
          capture_content: CAPTURE
        providers:
          - name: openai-main
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key: sk-not-a-secret
            models:
              - name: gpt-4o
                upstream_model: gpt-4o-2024-08-06
                price: {input_per_million_tokens: 2.5, output_per_million_tokens: 10}
        """;

    internal static readonly byte[] ChatResponse = Encoding.UTF8.GetBytes("""
        {"id":"chatcmpl-bench0001","object":"chat.completion","created":1732240000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"A proxy should forward each event as soon as it is complete, so the client sees tokens when the model produces them.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":24,"total_tokens":66}}
        """);

    private ActivityListener? _listener;
    private GatewayRuntime _capture = null!;
    private GatewayRuntime _noCapture = null!;
    private TracingListener _captureListener = null!;
    private TracingListener _noCaptureListener = null!;
    private ModelTarget _target = null!;
    private CompletionAccumulator _captured = null!;
    private CompletionAccumulator _notCaptured = null!;
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
        _capture = new GatewayRuntime(ConfigLoader.Load(Yaml.Replace("CAPTURE", "true"), "bench.yaml", _ => null));
        _noCapture = new GatewayRuntime(ConfigLoader.Load(Yaml.Replace("CAPTURE", "false"), "bench.yaml", _ => null));
        _captureListener = new TracingListener(_capture, metrics: null);
        _noCaptureListener = new TracingListener(_noCapture, metrics: null);
        if (!_capture.Current.Catalog.TryGet("openai-main/gpt-4o", out _target)) throw new InvalidOperationException("model missing");
        if (!RequestHead.TryRead(Payloads.TypicalChatBody, out _head, out _)) throw new InvalidOperationException("typical body rejected");
        // As the trace stage does when a listener wants response details; read once, only read by OnEnd.
        _captured = new CompletionAccumulator(captureContent: true, 64 * 1024);
        _captured.Observe(ChatResponse);
        _notCaptured = new CompletionAccumulator(captureContent: false, 0);
        _notCaptured.Observe(ChatResponse);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _capture.Dispose();
        _noCapture.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int ChatExchange_CaptureContent() => Run(_captureListener, _captured);

    [Benchmark]
    public int ChatExchange_NoContent() => Run(_noCaptureListener, _notCaptured);

    private int Run(TracingListener listener, CompletionAccumulator accumulator) => RunExchange(listener, accumulator, _target, _head);

    /// <summary>One traced non-streaming chat exchange, as the proxy drives the listener; also used by <see cref="TracingExportBenchmarks"/>.</summary>
    internal static int RunExchange(TracingListener listener, CompletionAccumulator accumulator, ModelTarget target, RequestHead head)
    {
        var start = Stopwatch.GetTimestamp();
        var plan = RoutePlan.Direct(target);
        var exchange = new Exchange { Operation = Providers.Operation.Chat, StartTimestamp = start, Head = head, Plan = plan, Target = target, Accumulator = accumulator };
        exchange.RequestBody = Payloads.TypicalChatBody;
        listener.OnStart(exchange);
        // As ModelCaller does: the attempt goes to the target's URL for the operation (one Uri per config).
        var url = target.UrlFor(Providers.Operation.Chat);
        var attempt = new Attempt { Step = plan.Steps[0], Number = 0, Retry = 0, StartTimestamp = start, Url = url };
        exchange.Attempts.Add(attempt);
        using (var request = new HttpRequestMessage(HttpMethod.Post, url))
        {
            listener.OnAttemptStart(exchange, attempt, request);
        }
        attempt.UpstreamStatus = exchange.UpstreamStatus = 200;
        attempt.Outcome = AttemptOutcome.Delivered;
        attempt.EndTimestamp = Stopwatch.GetTimestamp();
        listener.OnAttemptEnd(exchange, attempt);
        exchange.ClientStatus = 200;
        exchange.EndTimestamp = Stopwatch.GetTimestamp();
        listener.OnEnd(exchange);
        return exchange.ClientStatus;
    }
}

/// <summary>Starting a span on <see cref="GatewayActivitySource"/> with nobody listening: DESIGN.md decision 5 says this costs nothing.</summary>
[MemoryDiagnoser]
public class SpanNoListenerBenchmarks
{
    [Benchmark]
    public Activity? ChatSpan_NoListener()
    {
        var activity = GatewayActivitySource.Instance.StartActivity(TracingListener.RootName(Providers.Operation.Chat), ActivityKind.Server);
        activity?.Stop();
        return activity;
    }
}
