using Gateway.OpenAI;
using Microsoft.Extensions.Logging;

namespace Gateway.Pipeline;

/// <summary>
/// Runs a request through its stages in order; the first rejection ends the walk. <see cref="End"/> runs the
/// end hooks once per entered stage, in reverse order, whatever happened: a rejection, an exception,
/// a client that left.
/// </summary>
internal sealed class StageRunner(IReadOnlyList<IRequestStage> stages, ILogger logger)
{
    public IReadOnlyList<IRequestStage> Stages { get; } = stages;

    /// <returns>The rejection, or null when every stage let the request through.</returns>
    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        for (var i = 0; i < Stages.Count; i++)
        {
            context.StagesEntered = i + 1;
            var error = await Stages[i].RunAsync(context, ct).ConfigureAwait(false);
            if (error is not null)
            {
                context.Rejection = error;
                context.RejectedBy = Stages[i].Name;
                return error;
            }
        }
        return null;
    }

    /// <summary>
    /// Runs the end hooks (<see cref="End"/>), then waits for the writes they started that must finish before the
    /// response completes (<see cref="RequestContext.FinishBeforeResponse"/>): asynchronously, so no thread blocks on
    /// them, not even a socket thread under inline completions.
    /// </summary>
    public ValueTask EndAsync(RequestContext context)
    {
        End(context);
        return context.TakeEndWrites() is { } writes ? new ValueTask(writes) : ValueTask.CompletedTask;
    }

    /// <summary>Runs the end hooks of the entered stages, last first; a second call does nothing.</summary>
    public void End(RequestContext context)
    {
        var entered = context.StagesEntered;
        context.StagesEntered = 0;
        for (var i = entered - 1; i >= 0; i--)
        {
            try
            {
                Stages[i].OnRequestEnd(context);
            }
            catch (Exception e)
            {
                PipelineLog.EndHookFailed(logger, e, Stages[i].Name);
            }
        }
    }
}
