using System.Diagnostics;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Providers;
using Gateway.Proxy;
using Microsoft.Extensions.Logging;

namespace Gateway.Routing;

/// <summary>
/// Walks a <see cref="RoutePlan"/> over the <see cref="ModelCaller"/>: each step's target is tried up to its
/// attempt count, then the next step, for as long as nothing has reached the sink. Used with the client's
/// response by the call stage, and with a buffer by anything that calls a model for itself.
/// </summary>
internal sealed class PlanExecutor(ModelCaller caller, IExchangeListener? listener, ILogger logger)
{
    /// <summary>Runs the plan into <paramref name="sink"/>.</summary>
    /// <returns>The error to give the sink when no attempt delivered an answer (the sink has none yet, or only keepalives); null otherwise.</returns>
    public async Task<GatewayError?> ExecuteAsync(Exchange exchange, RoutePlan plan, PooledBuffer body, int length, RequestTimeouts timeouts, IResponseSink sink)
    {
        GatewayError? lastError = null;
        var original = body.Array.AsMemory(0, length);
        // The last step that may run: later ones are not fallback candidates.
        var lastStep = plan.Steps.Count - 1;
        while (lastStep > 0 && !plan.Steps[lastStep].FallbackCandidate) lastStep--;
        // Whoever wants usage, finish reasons and content of answers (tracing, an agent loop) puts an accumulator on the exchange.
        var wantsDetails = exchange.Accumulator is not null;
        for (var s = 0; s <= lastStep; s++)
        {
            var step = plan.Steps[s];
            if (s > 0 && !step.FallbackCandidate) continue;
            var content = BodyRewriter.Rewrite(body, length, in exchange.Head, step.Target, step.Overrides);
            var fallbackSpan = s > 0 ? RoutingSpans.StartFallback(exchange, plan, step) : null;
            try
            {
                for (var retry = 0; retry < step.Attempts; retry++)
                {
                    if (retry > 0 && step.RetryDelayMs > 0)
                    {
                        await Task.Delay(step.RetryDelayMs, sink.Aborted).ConfigureAwait(false);
                    }
                    var attempt = new Attempt { Step = step, Number = exchange.Attempts.Count, Retry = retry, StartTimestamp = Stopwatch.GetTimestamp() };
                    exchange.Attempts.Add(attempt);
                    exchange.Target = step.Target;
                    exchange.RequestBody = content.Memory;
                    var isLast = s == lastStep && retry == step.Attempts - 1;
                    var call = new ModelCall(exchange, attempt, content, timeouts, isLast, CanFallBack: s < lastStep);
                    var result = await caller.CallAsync(call, sink, listener, wantsDetails).ConfigureAwait(false);
                    Record(exchange, attempt, result);
                    step.Health?.Observe(exchange, attempt);
                    if (listener is not null) OnAttemptEnd(exchange, attempt);
                    if (result.Done)
                    {
                        if (result.ErrorEventSent && result.Outcome != AttemptOutcome.ClientGone) await sink.AbortAsync().ConfigureAwait(false);
                        return null;
                    }
                    lastError = result.Retryable;
                    // Not done: the attempt failed before anything reached the sink.
                    var status = attempt.UpstreamStatus;
                    var retryable = status == 0 || step.RetryOnStatus.Contains(status);
                    if (!retryable) break;
                }
                var last = exchange.Attempts[^1];
                var fallsBack = last.UpstreamStatus == 0 || step.FallbackOnStatus.Contains(last.UpstreamStatus);
                if (!fallsBack) break;
            }
            finally
            {
                content.Release();
                if (fallbackSpan is not null) RoutingSpans.EndFallback(fallbackSpan, exchange.Attempts.Count > 0 ? exchange.Attempts[^1] : null);
                // The rewritten copy just went back to the pool; listeners keep reading the original until the request ends.
                exchange.RequestBody = original;
            }
        }
        return lastError;
    }

    /// <summary>Writes what an attempt returned into the records tracing and health read.</summary>
    private static void Record(Exchange exchange, Attempt attempt, CallResult result)
    {
        attempt.EndTimestamp = Stopwatch.GetTimestamp();
        attempt.Outcome = result.Outcome;
        attempt.UpstreamStatus = result.UpstreamStatus;
        attempt.ErrorMessage = result.ErrorMessage;
        if (result.UpstreamStatus != 0) exchange.UpstreamStatus = result.UpstreamStatus;
        if (!result.Done) return;
        exchange.ClientDisconnected = result.Outcome == AttemptOutcome.ClientGone;
        exchange.StreamInterrupted = result.ErrorEventSent || result.Outcome is AttemptOutcome.Interrupted or AttemptOutcome.TimedOut;
        if (result.ErrorMessage is not null) exchange.ErrorMessage ??= result.ErrorMessage;
    }

    private void OnAttemptEnd(Exchange exchange, Attempt attempt)
    {
        try
        {
            listener!.OnAttemptEnd(exchange, attempt);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }
}
