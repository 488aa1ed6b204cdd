using Gateway.Config;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Pipeline;

public sealed class StageRunnerTests : IDisposable
{
    private readonly GatewayRuntime _runtime = new(ConfigLoader.Load("providers:\n  - {name: a, type: mock, models: [m]}\n", "test.yaml", _ => null));
    private readonly List<string> _log = [];

    private RequestContext NewContext() =>
        new(new DefaultHttpContext(), _runtime.Current, new Exchange { Operation = Operation.Chat, StartTimestamp = 1 });

    private sealed class Recording(string name, List<string> log, Func<GatewayError?>? run = null, bool throwOnEnd = false, Func<RequestContext, Task>? endWrite = null) : IRequestStage
    {
        public string Name => name;

        public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
        {
            log.Add("run " + name);
            return ValueTask.FromResult(run?.Invoke());
        }

        public void OnRequestEnd(RequestContext context)
        {
            log.Add("end " + name);
            if (endWrite is not null) context.FinishBeforeResponse(endWrite(context));
            if (throwOnEnd) throw new InvalidOperationException("end hook of " + name);
        }
    }

    [Fact]
    public async Task Runs_stages_in_order_and_end_hooks_in_reverse()
    {
        var runner = new StageRunner([new Recording("a", _log), new Recording("b", _log), new Recording("c", _log)], NullLogger.Instance);
        var context = NewContext();

        Assert.Null(await runner.RunAsync(context, default));
        runner.End(context);

        Assert.Equal(["run a", "run b", "run c", "end c", "end b", "end a"], _log);
    }

    [Fact]
    public async Task EndAsync_completes_only_once_every_write_the_end_hooks_started_has_finished()
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new StageRunner([new Recording("a", _log, endWrite: _ => first.Task), new Recording("b", _log, endWrite: _ => second.Task)], NullLogger.Instance);
        var context = NewContext();
        Assert.Null(await runner.RunAsync(context, default));

        var ending = runner.EndAsync(context).AsTask();

        Assert.Equal(["run a", "run b", "end b", "end a"], _log);
        first.SetResult();
        Assert.False(ending.IsCompleted);
        second.SetResult();
        await ending.WaitAsync(TimeSpan.FromSeconds(10));
        // Collected once: a second end neither runs the hooks nor waits again.
        Assert.True(runner.EndAsync(context).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_rejection_stops_the_walk_and_only_entered_stages_end()
    {
        var limited = new GatewayError(429, "rate_limit_error", "rate_limited", "slow down");
        var runner = new StageRunner([new Recording("a", _log), new Recording("limit", _log, () => limited), new Recording("c", _log)], NullLogger.Instance);
        var context = NewContext();

        Assert.Same(limited, await runner.RunAsync(context, default));
        runner.End(context);

        Assert.Equal(["run a", "run limit", "end limit", "end a"], _log);
        Assert.Same(limited, context.Rejection);
        Assert.Equal("limit", context.RejectedBy);
    }

    [Fact]
    public async Task End_hooks_run_once_when_a_stage_throws()
    {
        var runner = new StageRunner([new Recording("a", _log), new Recording("boom", _log, () => throw new InvalidOperationException("boom")), new Recording("c", _log)], NullLogger.Instance);
        var context = NewContext();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await runner.RunAsync(context, default));
        Assert.Equal("boom", e.Message);
        runner.End(context);
        runner.End(context);

        Assert.Equal(["run a", "run boom", "end boom", "end a"], _log);
    }

    [Fact]
    public async Task End_hooks_run_once_when_the_client_leaves()
    {
        using var left = new CancellationTokenSource();
        var leaving = new CancellationAwareStage(left);
        var runner = new StageRunner([new Recording("a", _log), leaving, new Recording("c", _log)], NullLogger.Instance);
        var context = NewContext();

        await Assert.ThrowsAsync<TaskCanceledException>(async () => await runner.RunAsync(context, left.Token));
        runner.End(context);

        Assert.Equal(["run a", "end a"], _log);
        Assert.Equal(1, leaving.Ends);
    }

    [Fact]
    public async Task A_failing_end_hook_does_not_stop_the_others()
    {
        var runner = new StageRunner([new Recording("a", _log), new Recording("b", _log, throwOnEnd: true)], NullLogger.Instance);
        var context = NewContext();

        await runner.RunAsync(context, default);
        runner.End(context);

        Assert.Equal(["run a", "run b", "end b", "end a"], _log);
    }

    /// <summary>Waits for the client to leave (the token), as an upstream call does.</summary>
    private sealed class CancellationAwareStage(CancellationTokenSource left) : IRequestStage
    {
        public int Ends { get; private set; }

        public string Name => "waits";

        public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
        {
            left.Cancel();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        }

        public void OnRequestEnd(RequestContext context) => Ends++;
    }

    public void Dispose() => _runtime.Dispose();
}
