using System.Diagnostics;
using System.Text;
using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.FunctionalTests.Pipeline;

/// <summary>
/// Calling a model with no client to answer (agent turns, blocking guardrails): the plan executor and model
/// caller deliver into a <see cref="BufferSink"/>, over real HTTP to an OpenAI-compatible upstream and to the mock.
/// </summary>
public sealed class BufferSinkTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayRuntime _runtime = null!;
    private PlanExecutor _executor = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _runtime = new GatewayRuntime(ConfigLoader.Load(Configs.OneUpstream(_upstream), "test.yaml", _ => null));
        _executor = new PlanExecutor(new ModelCaller(NullLogger.Instance), null, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        _runtime.Dispose();
        await _upstream.DisposeAsync();
    }

    private async Task<(BufferSink Sink, Exchange Exchange, OpenAI.GatewayError? Error)> CallAsync(string model, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var exchange = new Exchange { Operation = Operation.Chat, StartTimestamp = Stopwatch.GetTimestamp(), Accumulator = new Gateway.Streaming.CompletionAccumulator(captureContent: true, 10_000) };
        Assert.True(RequestHead.TryRead(body, out exchange.Head, out _));
        Assert.True(_runtime.Current.Routing.TryGetDirect(model, out var plan));
        var sink = new BufferSink();
        var error = await _executor.ExecuteAsync(exchange, plan, new PooledBuffer(body, pool: null), body.Length, new RequestTimeouts(10_000, 0, 0), sink);
        return (sink, exchange, error);
    }

    [InProcessFact]
    public async Task A_whole_answer_lands_in_the_buffer()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "buffered", completionTokens: 2);

        var (sink, exchange, error) = await CallAsync("fake/gpt-4o", """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Null(error);
        Assert.Equal(200, sink.Status);
        Assert.False(sink.Truncated);
        Assert.Equal(FakeResponses.CompletionJson("buffered", completionTokens: 2), Encoding.UTF8.GetString(sink.Content.Span));
        var completion = sink.ReadChatCompletion();
        Assert.NotNull(completion);
        Assert.Equal("buffered", completion.Choices[0].Message.Content);
        Assert.Equal(2, completion.Usage!.CompletionTokens);
        Assert.Equal(2, exchange.Accumulator!.OutputTokens);
        Assert.Equal(AttemptOutcome.Delivered, Assert.Single(exchange.Attempts).Outcome);
    }

    [InProcessFact]
    public async Task A_stream_from_the_mock_lands_in_the_buffer_as_events()
    {
        var (sink, exchange, error) = await CallAsync("mock/echo", """{"model":"mock/echo","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Null(error);
        Assert.Equal(200, sink.Status);
        var text = Encoding.UTF8.GetString(sink.Content.Span);
        Assert.EndsWith("data: [DONE]\n\n", text);
        Assert.Contains("You said: hi", FakeResponses.StreamedText(text));
        var chunks = sink.ReadChunks();
        Assert.Contains("You said: hi", string.Concat(chunks.Select(c => c.Choices.Count > 0 ? c.Choices[0].Delta.Content : "")));
        Assert.Equal("stop", chunks.Last(c => c.Choices.Count > 0).Choices[0].FinishReason);
        Assert.True(exchange.TokenEvents > 1);
    }

    [InProcessFact]
    public async Task A_refusal_the_plan_can_not_move_on_from_is_delivered_to_the_buffer()
    {
        _upstream.Handler = (ctx, _) => FakeResponses.Error(ctx, 503, "overloaded");

        var (sink, _, error) = await CallAsync("fake/gpt-4o", """{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Null(error);
        Assert.Equal(503, sink.Status);
        Assert.Contains("overloaded", Encoding.UTF8.GetString(sink.Content.Span));
    }
}
