using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Gateway.Config;
using Gateway.Streaming;
using Gateway.Tracing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Gateway.Benchmarks;

/// <summary>
/// What a traced request costs beyond the listener (issue #11): the same exchange as
/// <see cref="TracingListenerBenchmarks.ChatExchange_CaptureContent"/> (content on), its three spans ending in
/// the OpenTelemetry SDK (sampler, processors) and, in the second benchmark, serialized to OTLP/protobuf by the
/// SDK's own exporter in batches of 512 spans on the benchmark thread, over an HttpClient whose handler answers
/// 200 in memory (serialization and the client's request path, no socket). The difference between the two is
/// the export's cost per request that the gateway pays on its export thread.
/// </summary>
[MemoryDiagnoser]
public class TracingExportBenchmarks
{
    private const int BatchSize = 512;

    private GatewayRuntime _runtime = null!;
    private TracingListener _listener = null!;
    private Routing.ModelTarget _target = null!;
    private CompletionAccumulator _accumulator = null!;
    private Proxy.RequestHead _head;
    private TracerProvider? _provider;
    private BatchingProcessor? _batching;

    private void Common()
    {
        _runtime = new GatewayRuntime(ConfigLoader.Load(TracingListenerBenchmarks.Yaml.Replace("CAPTURE", "true"), "bench.yaml", _ => null));
        _listener = new TracingListener(_runtime, metrics: null);
        if (!_runtime.Current.Catalog.TryGet("openai-main/gpt-4o", out _target)) throw new InvalidOperationException("model missing");
        if (!Proxy.RequestHead.TryRead(Payloads.TypicalChatBody, out _head, out _)) throw new InvalidOperationException("typical body rejected");
        _accumulator = new CompletionAccumulator(captureContent: true, 64 * 1024);
        _accumulator.Observe(TracingListenerBenchmarks.ChatResponse);
    }

    [GlobalSetup(Target = nameof(ChatExchange_Sdk))]
    public void SetupSdk()
    {
        Common();
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(GatewayActivitySource.Name)
            .SetSampler(new RecordingSampler(new AlwaysOnSampler(), recordDropped: false))
            .AddProcessor(new NoOpProcessor())
            .Build();
    }

    [GlobalSetup(Target = nameof(ChatExchange_SdkAndOtlp))]
    public void SetupOtlp()
    {
        Common();
        var options = new OtlpExporterOptions
        {
            Protocol = OtlpExportProtocol.HttpProtobuf,
            Endpoint = new Uri("http://127.0.0.1:9/v1/traces"),
            HttpClientFactory = () => new HttpClient(new AnswerOk()),
        };
        _batching = new BatchingProcessor(new OtlpTraceExporter(options));
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(GatewayActivitySource.Name)
            .SetSampler(new RecordingSampler(new AlwaysOnSampler(), recordDropped: false))
            .AddProcessor(_batching)
            .Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        _runtime.Dispose();
    }

    [Benchmark]
    public int ChatExchange_Sdk() => TracingListenerBenchmarks.RunExchange(_listener, _accumulator, _target, _head);

    [Benchmark]
    public int ChatExchange_SdkAndOtlp() => TracingListenerBenchmarks.RunExchange(_listener, _accumulator, _target, _head);

    /// <summary>Exports every <see cref="BatchSize"/> ended spans synchronously, on the thread that ended the last one.</summary>
    private sealed class BatchingProcessor(BaseExporter<Activity> exporter) : BaseProcessor<Activity>
    {
        private readonly Activity[] _spans = new Activity[BatchSize];
        private int _count;

        public override void OnEnd(Activity data)
        {
            _spans[_count++] = data;
            if (_count < BatchSize) return;
            exporter.Export(new Batch<Activity>(_spans, _count));
            Array.Clear(_spans);
            _count = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) exporter.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Ends spans in the SDK and drops them.</summary>
    private sealed class NoOpProcessor : BaseProcessor<Activity>;

    private sealed class AnswerOk : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) });
    }
}
