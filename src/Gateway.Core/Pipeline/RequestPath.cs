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
/// The agent API (<c>/agent/responses</c>) runs authenticate, read and trace, then <see cref="Agents.AgentStage"/>,
/// whose every model turn runs the feature stages, route and call upstream into a buffer (<see cref="TurnRunnerFor"/>).
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
    private readonly Agents.AgentStage _agent;
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
        _agent = new Agents.AgentStage(runtime.Mcp, runtime.Guardrails, TurnRunnerFor, logger);
    }

    /// <summary>Retries and fallback over the model caller, for callers with their own sink.</summary>
    public PlanExecutor Executor { get; }

    /// <summary>The stages for a snapshot, built on its first request.</summary>
    public StageRunner RunnerFor(GatewayRuntime.Snapshot snapshot) => BuiltFor(snapshot).Runner;

    /// <summary>
    /// The stages of one model call an agent makes for itself (DESIGN.md: "the agent loop calls it with a
    /// BufferSink"): the feature stages (limits, guardrails), routing and the call, into the turn's sink
    /// (<see cref="RequestContext.Sink"/>). Authentication, reading and the root span are the agent request's.
    /// </summary>
    public StageRunner TurnRunnerFor(GatewayRuntime.Snapshot snapshot) => BuiltFor(snapshot).Turns;

    private Built BuiltFor(GatewayRuntime.Snapshot snapshot)
    {
        var built = _built;
        if (built is not null && ReferenceEquals(built.Snapshot, snapshot)) return built;
        var stages = Build(snapshot);
        // The agent request: authenticate, read, trace, then the tool loop instead of routing and calling.
        var agent = stages.TakeWhile(s => s is AuthenticateStage or ReadRequestStage or TraceStage).Append(_agent).ToList();
        var turns = stages.SkipWhile(s => s is AuthenticateStage or ReadRequestStage or TraceStage).ToList();
        built = new Built(snapshot, new StageRunner(stages, _logger), new StageRunner(agent, _logger), new StageRunner(turns, _logger));
        _built = built;
        return built;
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
    public Task AgentResponses(HttpContext context) => HandleAsync(context, Operation.AgentResponses);

    private async Task HandleAsync(HttpContext http, Operation op)
    {
        var snapshot = _runtime.Current;
        var built = BuiltFor(snapshot);
        var runner = op == Operation.AgentResponses ? built.Agent : built.Runner;
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
            await runner.EndAsync(context).ConfigureAwait(false);
            context.Body?.Release();
            if (context.AbortClientAtEnd) http.Abort();
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

    private sealed record Built(GatewayRuntime.Snapshot Snapshot, StageRunner Runner, StageRunner Agent, StageRunner Turns);
}
