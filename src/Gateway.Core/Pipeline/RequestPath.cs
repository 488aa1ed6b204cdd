using System.Diagnostics;
using Gateway.OpenAI;
using Gateway.Pipeline.Stages;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;
using Gateway.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Pipeline;

/// <summary>
/// The request path of the OpenAI endpoints, top to bottom (DESIGN.md, "The request path: stages"):
/// <code>
///   authenticate             key -> Subject                            AuthenticateStage
///   read                     headers, body once, head, timeouts        ReadRequestStage
///   trace                    root span (when tracing listens)          TraceStage
///   [feature stages]         rate limit, budget, input guardrails      added per snapshot
///   route                    plan: rules, virtual models, targets      RouteStage
///   call upstream            retries, fallback; answer to the client   CallUpstreamStage -> PlanExecutor -> ModelCaller
/// </code>
/// A stage that rejects ends the walk; the client gets its error and the spans record it. Then every
/// entered stage's end hook runs once, last first (settle, then the trace ends). The stage list is built
/// once per config snapshot; a request finishes on the snapshot and stages it started with.
/// </summary>
internal sealed class RequestPath
{
    private readonly GatewayRuntime _runtime;
    private readonly IExchangeListener? _listener;
    private readonly ILogger _logger;
    private readonly CallUpstreamStage _callUpstream;
    private readonly IReadOnlyList<Func<GatewayRuntime.Snapshot, IRequestStage?>> _featureStages;
    private volatile Built? _built;

    /// <param name="featureStages">Stages that features add between tracing and routing, chosen per snapshot (null: none for it).</param>
    public RequestPath(GatewayRuntime runtime, ILogger logger, IExchangeListener? listener = null, IReadOnlyList<Func<GatewayRuntime.Snapshot, IRequestStage?>>? featureStages = null)
    {
        _runtime = runtime;
        _logger = logger;
        _listener = listener;
        _featureStages = featureStages ?? [];
        Executor = new PlanExecutor(new ModelCaller(logger), listener, logger);
        _callUpstream = new CallUpstreamStage(Executor);
    }

    /// <summary>Retries and fallback over the model caller, for callers with their own sink.</summary>
    public PlanExecutor Executor { get; }

    /// <summary>The stages for a snapshot, built on its first request.</summary>
    public StageRunner RunnerFor(GatewayRuntime.Snapshot snapshot)
    {
        var built = _built;
        if (built is not null && ReferenceEquals(built.Snapshot, snapshot)) return built.Runner;
        var runner = new StageRunner(Build(snapshot), _logger);
        _built = new Built(snapshot, runner);
        return runner;
    }

    private List<IRequestStage> Build(GatewayRuntime.Snapshot snapshot)
    {
        var stages = new List<IRequestStage> { AuthenticateStage.Instance, ReadRequestStage.Instance };
        if (_listener is not null) stages.Add(new TraceStage(_listener, _logger));
        foreach (var feature in _featureStages)
        {
            if (feature(snapshot) is { } stage) stages.Add(stage);
        }
        stages.Add(RouteStage.Instance);
        stages.Add(_callUpstream);
        return stages;
    }

    public Task ChatCompletions(HttpContext context) => HandleAsync(context, Operation.Chat);
    public Task Completions(HttpContext context) => HandleAsync(context, Operation.Completion);
    public Task Embeddings(HttpContext context) => HandleAsync(context, Operation.Embedding);
    public Task Messages(HttpContext context) => HandleAsync(context, Operation.Messages);
    public Task CountTokens(HttpContext context) => HandleAsync(context, Operation.CountTokens);
    public Task Responses(HttpContext context) => HandleAsync(context, Operation.Responses);
    public Task Rerank(HttpContext context) => HandleAsync(context, Operation.Rerank);

    private async Task HandleAsync(HttpContext http, Operation op)
    {
        var snapshot = _runtime.Current;
        var runner = RunnerFor(snapshot);
        var exchange = new Exchange { Operation = op, StartTimestamp = Stopwatch.GetTimestamp() };
        var context = new RequestContext(http, snapshot, exchange);
        try
        {
            var rejection = await runner.RunAsync(context, http.RequestAborted).ConfigureAwait(false);
            if (rejection is not null) await RejectAsync(context, rejection).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            exchange.ClientDisconnected = true;
        }
        catch (Exception e)
        {
            ProxyLog.Unhandled(_logger, e, http.Request.Path);
            exchange.ErrorMessage ??= "internal error";
            if (!http.Response.HasStarted)
            {
                await ErrorWriter.WriteAsync(http, new GatewayError(500, "server_error", "internal_error", "The gateway failed to process the request.")).ConfigureAwait(false);
            }
            else
            {
                http.Abort();
            }
        }
        finally
        {
            exchange.EndTimestamp = Stopwatch.GetTimestamp();
            exchange.ClientStatus = exchange.ClientDisconnected ? 499 : http.Response.StatusCode;
            runner.End(context);
            context.Body?.Release();
        }
    }

    /// <summary>A stage's rejection to the client: an error response, or an SSE error event when keepalives already committed a stream.</summary>
    private static async Task RejectAsync(RequestContext context, GatewayError error)
    {
        var exchange = context.Exchange;
        exchange.ErrorMessage ??= error.Message;
        if (!context.Http.Response.HasStarted)
        {
            await ErrorWriter.WriteAsync(context.Http, error).ConfigureAwait(false);
            return;
        }
        exchange.StreamInterrupted = true;
        await SsePump.WriteErrorEventAsync(context.Http.Response.BodyWriter, error.Message, error.Type, error.Code ?? "upstream_error").ConfigureAwait(false);
    }

    private sealed record Built(GatewayRuntime.Snapshot Snapshot, StageRunner Runner);
}
