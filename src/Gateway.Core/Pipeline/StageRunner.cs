using Gateway.OpenAI;
using Microsoft.Extensions.Logging;

namespace Gateway.Pipeline;

/// <summary>
/// Runs a request through its stages in order. The first rejection ends the walk; end hooks run once
/// per entered stage, in reverse order, whatever happened (a rejection, an exception, a client that left).
/// </summary>
internal sealed class StageRunner(IReadOnlyList<IRequestStage> stages, ILogger logger)
{
    public IReadOnlyList<IRequestStage> Stages { get; } = stages;

    /// <returns>The rejection, or null when every stage let the request through.</returns>
    public async ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var entered = 0;
        try
        {
            for (var i = 0; i < Stages.Count; i++)
            {
                entered = i + 1;
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
        finally
        {
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
}
