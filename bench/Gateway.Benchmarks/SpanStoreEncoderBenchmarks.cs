using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Gateway.Config;
using Gateway.Spans;
using Gateway.Streaming;
using Gateway.Tracing;
using Microsoft.Data.Sqlite;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Gateway.Benchmarks;

/// <summary>
/// The span store's encoder thread per traced request (issue #11: 14-23 % of a saturated gateway's CPU): the three
/// spans of <see cref="TracingListenerBenchmarks.ChatExchange_CaptureContent"/>'s exchange converted to rows
/// (<see cref="SpanRecordConverter"/>), encoded into a batch (<see cref="SpanBatchEncoder"/>: the attribute blob,
/// string ids, the content pool with its Brotli) and finished (ordered, ids given), as <c>SpanStoreEncoder</c>
/// does for each span it takes off the queue. The writer's SQLite insert is not in it.
/// </summary>
[MemoryDiagnoser]
public class SpanStoreEncoderBenchmarks
{
    private readonly List<Activity> _spans = [];
    private SqliteConnection _connection = null!;
    private SpanRecordConverter _converter = null!;
    private SpanBatchEncoder _encoder = null!;
    private readonly SpanBatch _batch = new();

    [GlobalSetup]
    public void Setup()
    {
        using var runtime = new GatewayRuntime(ConfigLoader.Load(TracingListenerBenchmarks.Yaml.Replace("CAPTURE", "true"), "bench.yaml", _ => null));
        if (!runtime.Current.Catalog.TryGet("openai-main/gpt-4o", out var target)) throw new InvalidOperationException("model missing");
        if (!Proxy.RequestHead.TryRead(Payloads.TypicalChatBody, out var head, out _)) throw new InvalidOperationException("typical body rejected");
        var accumulator = new CompletionAccumulator(captureContent: true, 64 * 1024);
        accumulator.Observe(TracingListenerBenchmarks.ChatResponse);
        using (Sdk.CreateTracerProviderBuilder()
            .AddSource(GatewayActivitySource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new Collect(_spans))
            .Build())
        {
            TracingListenerBenchmarks.RunExchange(new TracingListener(runtime, metrics: null), accumulator, target, head);
        }
        if (_spans.Count != 3) throw new InvalidOperationException($"expected 3 spans, got {_spans.Count}");
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = SpanStoreSchema.Create;
            create.ExecuteNonQuery();
        }
        _converter = new SpanRecordConverter(new TracingProjectResolver(TracingProjectsConfig.Empty), "tfy-llm-gateway");
        _encoder = new SpanBatchEncoder(SpanStringTable.Load(_connection), 1, TimeProvider.System);
        // The strings every request carries (keys, names) get their ids once, as in a running store.
        EncodeChatExchange();
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    [Benchmark]
    public int EncodeChatExchange()
    {
        _batch.Clear();
        foreach (var span in _spans) _encoder.Add(_batch, _converter.Convert(span));
        _encoder.Finish(_batch);
        return _batch.Rows.Count;
    }

    private sealed class Collect(List<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Add(data);
    }
}
