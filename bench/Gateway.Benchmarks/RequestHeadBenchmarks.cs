using BenchmarkDotNet.Attributes;
using Gateway.Config;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Benchmarks;

/// <summary>
/// The per-request body work of the read stage and the plan executor: one <see cref="RequestHead.TryRead"/> pass
/// (validates the whole document, reads model/stream/sampling fields) and the model-name rewrite copy.
/// </summary>
[MemoryDiagnoser]
public class RequestHeadBenchmarks
{
    private byte[] _typical = [];
    private byte[] _large = [];
    private PooledBuffer _typicalBuffer = null!;
    private RequestHead _typicalHead;
    private ModelTarget _target = null!;
    private Upstream _upstream = null!;

    [GlobalSetup]
    public void Setup()
    {
        _typical = Payloads.TypicalChatBody;
        _large = Payloads.LargeChatBody;
        // No pool owns the payload; the benchmark holds its reference for the whole run.
        _typicalBuffer = new PooledBuffer(_typical, pool: null);
        if (!RequestHead.TryRead(_typical, out _typicalHead, out _)) throw new InvalidOperationException("typical body rejected");
        var model = new ModelConfig { Name = "gpt-4o", UpstreamModel = "gpt-4o-2024-08-06" };
        _upstream = new Upstream(new ProviderConfig { Name = "openai-main", Kind = ProviderKind.OpenAI, BaseUrl = "http://127.0.0.1:9/v1", Models = [model] });
        _target = new ModelTarget(_upstream, model);
    }

    [GlobalCleanup]
    public void Cleanup() => _upstream.Dispose();

    /// <summary>449 bytes: system + user message, sampling fields, stream options.</summary>
    [Benchmark(Baseline = true)]
    public bool TryRead_Typical() => RequestHead.TryRead(_typical, out _, out _);

    /// <summary>68 KB: 40 turns and 8 tool schemas, model last (the whole body is walked before it is found).</summary>
    [Benchmark]
    public bool TryRead_Large() => RequestHead.TryRead(_large, out _, out _);

    /// <summary>Replaces the model name in one pooled copy and wraps it as the upstream request content.</summary>
    [Benchmark]
    public int RewriteModel_Typical()
    {
        var content = BodyRewriter.Rewrite(_typicalBuffer, _typical.Length, in _typicalHead, _target, null);
        var length = content.Memory.Length;
        content.Release();
        return length;
    }
}
