using System.Diagnostics;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;
using Microsoft.Extensions.Logging;

namespace Gateway.Tracing;

/// <summary>
/// Turns exchanges into the span tree of seed 003 — root (<c>chatCompletions</c>, <c>completions</c> or
/// <c>embeddings</c>, kind Server) → <c>Model</c> per attempt → network call (kind Client) — and records the
/// GenAI metrics. Tags are set only on recorded spans; nothing here blocks or throws into the request path.
/// Each part of a span (prompt, input, request context, completion, metrics) is recorded on its own: a part
/// that fails is logged and counted (<see cref="Faults"/>), and the span keeps every other part.
/// </summary>
internal sealed class TracingListener(GatewayRuntime runtime, GenAiMetrics? metrics, object? owner = null, Func<Exchange, string>? project = null, ILogger? logger = null) : IExchangeListener
{
    private long _faults;

    /// <summary>How many parts of spans could not be recorded (each one logged).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>
    /// True when the span's tree carries <paramref name="owner"/>, or none is asked for. A tree no gateway marked
    /// counts only with <paramref name="unowned"/>: a gateway's own exporter and store pass false, since every span
    /// it makes descends from a root it marked; a store fed by its own listener (tools, tests) passes true.
    /// </summary>
    public static bool IsOwnedBy(Activity activity, object? owner, bool unowned = false)
    {
        if (owner is null) return true;
        for (var a = activity; a is not null; a = a.Parent)
        {
            if (a.GetCustomProperty(OwnerProperty) is { } found) return ReferenceEquals(found, owner);
        }
        return unowned;
    }

    /// <summary>
    /// Custom property naming the gateway whose request a root span belongs to. The ActivitySource is
    /// process-wide, so with two gateways in one process (tests, embedding) each provider sees every span;
    /// its export processor keeps only the trees it owns.
    /// </summary>
    public const string OwnerProperty = "gateway.owner";

    private static readonly ActivitySource s_source = GatewayActivitySource.Instance;

    /// <summary>Usage, ids and finish reasons are needed for spans and metrics even with content capture off.</summary>
    public bool WantsResponseDetails => true;

    public void OnStart(Exchange exchange)
    {
        var root = StartRoot(exchange, RootName(exchange.Operation), RootSpanType(exchange.Operation));
        if (root is null || !root.IsAllDataRequested) return;
        var state = (ExchangeTrace)exchange.ListenerState!;
        var options = state.Options;

        ref readonly var head = ref exchange.Head;
        root.AddTag(SpanAttributes.GenAiOperationName, OperationName(exchange.Operation));
        root.AddTag(SpanAttributes.GenAiRequestModel, head.Model);
        root.AddTag(SpanAttributes.TfyRequestModelName, head.Model);
        state.TagRequestParameters(root, in head);
        var body = exchange.RequestBody.Span;
        try
        {
            state.Prompt = RequestMessages.Read(body, exchange.Operation, options.CaptureContent, options.MaxContentChars);
        }
        catch (Exception e)
        {
            Fault(e, "the prompt");
        }
        if (options.CaptureContent && !body.IsEmpty)
        {
            try
            {
                state.Input = SpanText.Utf8(body, options.MaxContentChars);
                root.AddTag(SpanAttributes.TfyInput, state.Input);
                if (state.Prompt is not null && CompletionTags.ShortHand(state.Prompt) is { } shortHand) root.AddTag(SpanAttributes.TfyInputShortHand, shortHand);
            }
            catch (Exception e)
            {
                Fault(e, SpanAttributes.TfyInput);
            }
        }
    }

    /// <summary>
    /// Starts the root span of a request (kind Server, child of the client's <c>traceparent</c> if any) and puts
    /// its <see cref="ExchangeTrace"/> in <see cref="Exchange.ListenerState"/>: marked with this gateway's owner,
    /// tagged with the span type and the request context (subject, teams, metadata, tracing project). Model
    /// exchanges start here (<see cref="OnStart"/>), and so do requests that are not one, such as the MCP gateway
    /// endpoint's. Null when nothing records.
    /// </summary>
    public Activity? StartRoot(Exchange exchange, string name, string spanType)
    {
        var options = runtime.Current.Config.Tracing;
        Activity? root = null;
        if (s_source.HasListeners())
        {
            var parent = TraceContext.Parse(exchange.TraceParent, exchange.TraceState);
            var previous = Activity.Current;
            // Without a client context the root starts a new trace: ASP.NET Core's own request activity is
            // never exported, so it must not become a parent nobody can see.
            Activity.Current = null;
            root = s_source.StartActivity(name, ActivityKind.Server, parent, startTime: StartTime(exchange.StartTimestamp));
            // With a root, later spans (rate limits, load balancing, guardrails) nest under it via Activity.Current.
            if (root is null) Activity.Current = previous;
        }
        if (owner is not null) root?.SetCustomProperty(OwnerProperty, owner);
        var state = new ExchangeTrace(root, options) { ProjectFqn = project?.Invoke(exchange) ?? options.DefaultProjectFqn };
        exchange.ListenerState = state;
        if (root is null || !root.IsAllDataRequested) return root;
        root.AddTag(SpanAttributes.TfySpanType, spanType);
        state.TagRequest(root, exchange);
        if (state.TagFault is { } tagFault) Fault(tagFault, "the request context");
        return root;
    }

    /// <summary>One part of a span could not be recorded: say so, and let the caller go on with the other parts.</summary>
    private void Fault(Exception e, string part)
    {
        var total = Interlocked.Increment(ref _faults);
        if (logger is not null) TracingLog.ListenerFault(logger, e, part, total);
    }

    public void OnAttemptStart(Exchange exchange, Attempt attempt, HttpRequestMessage request)
    {
        var state = exchange.ListenerState as ExchangeTrace;
        if (state?.Root is not { } root)
        {
            // Recording nothing ourselves: keep the client's trace connected to the upstream's.
            if (exchange.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, exchange.TraceState, out _)) TraceContext.Set(request, traceParent, exchange.TraceState);
            return;
        }
        var previous = Activity.Current;
        // A span another concern opened under the root (fallbackRequest) may parent the Model span; anything else may not.
        Activity.Current = previous is not null && previous.TraceId == root.TraceId && !previous.IsStopped ? previous : root;
        var model = s_source.StartActivity(SpanNames.Model, ActivityKind.Internal, parentContext: default, startTime: StartTime(attempt.StartTimestamp));
        var network = model is null ? null : s_source.StartActivity(SpanNames.NetworkCall, ActivityKind.Client);
        Activity.Current = previous;
        attempt.ListenerState = new AttemptSpans(model, network);
        // An unrecorded root gets no children (the SDK drops spans under a local unsampled parent), yet its
        // context still has to reach the upstream: the client's trace id with the not-sampled flag.
        TraceContext.Inject(request, network ?? model ?? root);

        var target = attempt.Target;
        var url = attempt.Url is { } upstreamUrl && (model is { IsAllDataRequested: true } || network is { IsAllDataRequested: true })
            ? UpstreamUrlTags.Of(upstreamUrl, target.UrlTagsFor(exchange.Operation))
            : null;
        if (model is { IsAllDataRequested: true })
        {
            var options = state.Options;
            model.AddTag(SpanAttributes.TfySpanType, SpanTypes.Model);
            state.TagRequest(model, exchange);
            model.AddTag(SpanAttributes.GenAiOperationName, OperationName(exchange.Operation));
            model.AddTag(SpanAttributes.GenAiSystem, target.Upstream.System);
            model.AddTag(SpanAttributes.GenAiProviderName, target.Upstream.System);
            model.AddTag(SpanAttributes.GenAiRequestModel, target.Model.UpstreamModel);
            state.TagRequestParameters(model, in exchange.Head);
            model.AddTag(SpanAttributes.TfyRequestModelName, exchange.Head.Model);
            model.AddTag(SpanAttributes.TfyModelId, target.Id);
            model.AddTag(SpanAttributes.TfyModelName, target.Model.Name);
            model.AddTag(SpanAttributes.TfyModelFqn, target.Id);
            SetAppliedLimitRules(model, exchange);
            model.AddTag(SpanAttributes.TfyModelRequestUrl, url?.Full);
            model.AddTag(SpanAttributes.TfyModelStreaming, BoxedValues.Bool(exchange.IsStream));
            model.AddTag(SpanAttributes.TfyModelRequestType, RequestType(exchange.Operation));
            if (state.Input is not null) model.AddTag(SpanAttributes.TfyInput, state.Input);
        }
        if (network is { IsAllDataRequested: true })
        {
            state.TagRequest(network, exchange);
            network.AddTag(SpanAttributes.HttpRequestMethod, "POST");
            if (url is not null)
            {
                network.AddTag(SpanAttributes.UrlFull, url.Full);
                network.AddTag(SpanAttributes.ServerAddress, url.Host);
                network.AddTag(SpanAttributes.ServerPort, url.Port);
            }
        }
    }

    public void OnAttemptEnd(Exchange exchange, Attempt attempt)
    {
        if (attempt.ListenerState is not AttemptSpans spans || spans.Ended) return;
        spans.Ended = true;
        var previous = Activity.Current;
        var failed = attempt.Outcome is AttemptOutcome.UpstreamStatus or AttemptOutcome.Unreachable or AttemptOutcome.TimedOut or AttemptOutcome.Interrupted;
        var errorType = ErrorType(attempt);
        if (spans.Network is { } network)
        {
            if (network.IsAllDataRequested)
            {
                if (attempt.UpstreamStatus > 0) network.AddTag(SpanAttributes.HttpResponseStatusCode, BoxedValues.StatusCode(attempt.UpstreamStatus));
                if (failed)
                {
                    network.AddTag(SpanAttributes.ErrorType, errorType);
                    network.SetStatus(ActivityStatusCode.Error, attempt.ErrorMessage);
                }
            }
            network.Stop();
        }
        if (spans.Model is { } model)
        {
            var state = exchange.ListenerState as ExchangeTrace;
            var deferOutput = state is not null && model.IsAllDataRequested && AwaitsOutputCheck(state, exchange, attempt);
            if (model.IsAllDataRequested && state is not null)
            {
                try
                {
                    SetModelResult(model, state, exchange, attempt, failed, errorType, withOutput: !deferOutput);
                }
                catch (Exception e)
                {
                    Fault(e, "the Model span's result");
                }
            }
            if (deferOutput)
            {
                // The span ends now (its duration is the model's), but is written only once OnEnd added the
                // answer as the output guardrails left it: the store encodes a span when it stops.
                model.SetEndTime(DateTime.UtcNow);
                state!.PendingModel = model;
            }
            else
            {
                model.Stop();
            }
        }
        Activity.Current = previous;
    }

    /// <summary>
    /// Whether the attempt's answer is still to be checked by output guardrails (they run after the attempt ended,
    /// on the answer held or accumulated): its Model span must wait for the redacted <c>tfy.output</c>. Requests
    /// without output guardrails never set <see cref="ExchangeTrace.OutputGuarded"/> and pay nothing.
    /// </summary>
    private static bool AwaitsOutputCheck(ExchangeTrace state, Exchange exchange, Attempt attempt) =>
        state.OutputGuarded && state.Options.CaptureContent && exchange.Operation != Operation.Embedding && ReachedClient(attempt) && exchange.Accumulator is not null;

    /// <summary>Writes the Model span held by <see cref="OnAttemptEnd"/> with the answer the output guardrails left (redacted).</summary>
    private void EndPendingModel(ExchangeTrace state, Exchange exchange)
    {
        if (state.PendingModel is not { } model) return;
        state.PendingModel = null;
        try
        {
            if (exchange.Accumulator is { } accumulator)
            {
                state.Output ??= CompletionTags.OutputJson(accumulator, state.Options.MaxContentChars);
                if (state.Output is not null) model.AddTag(SpanAttributes.TfyOutput, state.Output);
            }
        }
        catch (Exception e)
        {
            Fault(e, "the Model span's output");
        }
        model.Stop();
    }

    public void OnEnd(Exchange exchange)
    {
        var state = exchange.ListenerState as ExchangeTrace;
        // An attempt cut short by an unexpected exception never reached OnAttemptEnd: end its spans here.
        foreach (var attempt in exchange.Attempts)
        {
            if (attempt.ListenerState is AttemptSpans { Ended: false })
            {
                attempt.ErrorMessage ??= exchange.ErrorMessage ?? "the attempt did not complete";
                if (attempt.Outcome == AttemptOutcome.None) attempt.Outcome = AttemptOutcome.Interrupted;
                if (attempt.EndTimestamp == 0) attempt.EndTimestamp = Stopwatch.GetTimestamp();
                OnAttemptEnd(exchange, attempt);
            }
        }
        if (state is not null) EndPendingModel(state, exchange);
        var errorType = ErrorType(exchange);
        if (metrics is not null)
        {
            try
            {
                RecordMetrics(metrics, exchange, errorType);
            }
            catch (Exception e)
            {
                Fault(e, "the metrics");
            }
        }
        if (state?.Root is not { } root) return;
        if (root.IsAllDataRequested) SetRootResult(root, state, exchange, errorType);
        root.Stop();
    }

    private void SetRootResult(Activity root, ExchangeTrace state, Exchange exchange, string? errorType)
    {
        if (exchange.Target is { } target)
        {
            root.AddTag(SpanAttributes.GenAiSystem, target.Upstream.System);
            root.AddTag(SpanAttributes.GenAiProviderName, target.Upstream.System);
        }
        try
        {
            SetRequestContext(root, exchange);
        }
        catch (Exception e)
        {
            Fault(e, "the request context");
        }
        root.AddTag(SpanAttributes.HttpResponseStatusCode, BoxedValues.StatusCode(exchange.ClientStatus));
        try
        {
            SetContent(root, state, exchange);
        }
        catch (Exception e)
        {
            Fault(e, "the prompt and completion");
        }
        if (errorType is not null)
        {
            var message = exchange.ErrorMessage ?? $"HTTP {exchange.ClientStatus}";
            root.AddTag(SpanAttributes.TfyErrorMessage, message);
            root.AddTag(SpanAttributes.ErrorType, errorType);
            if (!exchange.ClientDisconnected) root.SetStatus(ActivityStatusCode.Error, message);
        }
    }

    /// <summary>What the root learns late; subject, teams, metadata and project are on every span from its start (ExchangeTrace.TagRequest).</summary>
    private static void SetRequestContext(Activity root, Exchange exchange)
    {
        if (exchange.ConversationId is { } conversation)
        {
            root.AddTag(SpanAttributes.TfyRequestConversationId, conversation);
            root.AddTag(SpanAttributes.GenAiConversationId, conversation);
        }
        if (exchange.Plan is { AppliedRuleIds.Count: > 0 } plan) root.AddTag(SpanAttributes.AppliedLoadBalanceRuleIds, plan.AppliedRuleIds as string[] ?? [.. plan.AppliedRuleIds]);
        SetAppliedLimitRules(root, exchange);
    }

    /// <summary>Seed 003's applied_ratelimit_rule_ids and applied_budget_rule_ids, on the root and Model spans (issue #12).</summary>
    private static void SetAppliedLimitRules(Activity span, Exchange exchange)
    {
        if (exchange.AppliedRateLimitRuleIds is { Count: > 0 } rateLimits) span.AddTag(SpanAttributes.AppliedRateLimitRuleIds, rateLimits as string[] ?? [.. rateLimits]);
        if (exchange.AppliedBudgetRuleIds is { Count: > 0 } budgets) span.AddTag(SpanAttributes.AppliedBudgetRuleIds, budgets as string[] ?? [.. budgets]);
    }

    private static void SetContent(Activity root, ExchangeTrace state, Exchange exchange)
    {
        var system = exchange.Target?.Upstream.System ?? "";
        if (state.Prompt is { } prompt) CompletionTags.SetPrompt(root, prompt, system, state.Options.CaptureContent);
        var delivered = exchange.Attempts.Count > 0 ? exchange.Attempts[^1] : null;
        if (delivered is not null && ReachedClient(delivered) && exchange.Accumulator is { } accumulator)
        {
            CompletionTags.SetCompletion(root, accumulator, state.Options.CaptureContent);
            if (state.Options.CaptureContent && exchange.Operation != Operation.Embedding)
            {
                state.Output ??= CompletionTags.OutputJson(accumulator, state.Options.MaxContentChars);
                if (state.Output is not null) root.AddTag(SpanAttributes.TfyOutput, state.Output);
            }
        }
    }

    private static void SetModelResult(Activity model, ExchangeTrace state, Exchange exchange, Attempt attempt, bool failed, string? errorType, bool withOutput)
    {
        model.AddTag(SpanAttributes.TfyModelMetricLatencyInMs, Math.Round(attempt.LatencyMs, 3));
        if (attempt.UpstreamStatus > 0) model.AddTag(SpanAttributes.HttpResponseStatusCode, BoxedValues.StatusCode(attempt.UpstreamStatus));
        if (ReachedClient(attempt) && exchange.Accumulator is { } accumulator)
        {
            var input = accumulator.InputTokens;
            var output = accumulator.OutputTokens;
            // Each count goes under its tfy and its gen_ai key: one box for both.
            if (input is { } inputTokens)
            {
                object boxed = inputTokens;
                model.AddTag(SpanAttributes.TfyModelMetricInputTokens, boxed);
                model.AddTag(SpanAttributes.GenAiUsageInputTokens, boxed);
            }
            if (output is { } outputTokens)
            {
                object boxed = outputTokens;
                model.AddTag(SpanAttributes.TfyModelMetricOutputTokens, boxed);
                model.AddTag(SpanAttributes.GenAiUsageOutputTokens, boxed);
            }
            if (accumulator.CachedInputTokens is { } cached)
            {
                object boxed = cached;
                model.AddTag(SpanAttributes.TfyModelMetricCacheReadInputTokens, boxed);
                model.AddTag(SpanAttributes.GenAiUsageCacheReadInputTokens, boxed);
            }
            if (accumulator.CacheCreationInputTokens is { } created)
            {
                object boxed = created;
                model.AddTag(SpanAttributes.TfyModelMetricCacheCreationInputTokens, boxed);
                model.AddTag(SpanAttributes.GenAiUsageCacheCreationInputTokens, boxed);
            }
            if (attempt.Target.Cost(input, output) is { } cost && (input is not null || output is not null)) model.AddTag(SpanAttributes.TfyModelMetricCostInUsd, cost);
            if (accumulator.ResponseId is { } id) model.AddTag(SpanAttributes.GenAiResponseId, id);
            if (accumulator.ResponseModel is { } responseModel) model.AddTag(SpanAttributes.GenAiResponseModel, responseModel);
            if (CompletionTags.FinishReasons(accumulator) is { } reasons) model.AddTag(SpanAttributes.GenAiResponseFinishReasons, reasons);
            if (exchange.IsStream && exchange.FirstTokenTimestamp >= attempt.StartTimestamp && exchange.FirstTokenTimestamp != 0)
            {
                var ttft = Stopwatch.GetElapsedTime(attempt.StartTimestamp, exchange.FirstTokenTimestamp).TotalMilliseconds;
                model.AddTag(SpanAttributes.TfyModelMetricTimeToFirstTokenInMs, Math.Round(ttft, 3));
                if (exchange.InterTokenLatencyMs is { } itl) model.AddTag(SpanAttributes.TfyModelMetricInterTokenLatencyInMs, Math.Round(itl, 3));
            }
            if (withOutput && state.Options.CaptureContent && exchange.Operation != Operation.Embedding)
            {
                state.Output ??= CompletionTags.OutputJson(accumulator, state.Options.MaxContentChars);
                if (state.Output is not null) model.AddTag(SpanAttributes.TfyOutput, state.Output);
            }
        }
        if (failed)
        {
            var message = attempt.ErrorMessage ?? $"upstream status {attempt.UpstreamStatus}";
            model.AddTag(SpanAttributes.TfyErrorMessage, message);
            model.AddTag(SpanAttributes.ErrorType, errorType);
            model.SetStatus(ActivityStatusCode.Error, message);
        }
    }

    private static void RecordMetrics(GenAiMetrics metrics, Exchange exchange, string? errorType)
    {
        if (!metrics.Enabled) return;
        var tags = new TagList
        {
            { SpanAttributes.GenAiOperationName, OperationName(exchange.Operation) },
            // A model routing did not recognise is client text: as a label it would grow the series without bound.
            { SpanAttributes.GenAiRequestModel, exchange.Plan is null ? "unknown" : exchange.Head.Model },
        };
        if (exchange.Target is { } target) tags.Add(SpanAttributes.GenAiProviderName, target.Upstream.System);
        var accumulator = exchange.Accumulator;
        if (accumulator?.ResponseModel is { } responseModel) tags.Add(SpanAttributes.GenAiResponseModel, responseModel);
        var durationTags = tags;
        if (errorType is not null) durationTags.Add(SpanAttributes.ErrorType, errorType);
        metrics.OperationDuration.Record(exchange.LatencyMs / 1000.0, durationTags);
        if (accumulator is null) return;
        if (accumulator.InputTokens is { } input)
        {
            var t = tags;
            t.Add(MetricNames.TokenType, MetricNames.TokenTypeInput);
            metrics.TokenUsage.Record((int)Math.Min(input, int.MaxValue), t);
        }
        if (accumulator.OutputTokens is { } output)
        {
            var t = tags;
            t.Add(MetricNames.TokenType, MetricNames.TokenTypeOutput);
            metrics.TokenUsage.Record((int)Math.Min(output, int.MaxValue), t);
        }
        if (errorType is not null || !exchange.IsStream || exchange.FirstTokenTimestamp == 0) return;
        metrics.TimeToFirstToken.Record(exchange.TimeToFirstTokenMs!.Value / 1000.0, tags);
        // Spec: time per output token after the first = (last - first) / (output tokens - 1); stream events stand in for tokens without usage.
        var generating = Stopwatch.GetElapsedTime(exchange.FirstTokenTimestamp, exchange.LastTokenTimestamp).TotalSeconds;
        var count = accumulator.OutputTokens ?? exchange.TokenEvents;
        if (count > 1) metrics.TimePerOutputToken.Record(generating / (count - 1), tags);
    }

    /// <summary>Whether this attempt's answer is the one the client got (its usage and content are the request's).</summary>
    private static bool ReachedClient(Attempt attempt) =>
        attempt.Outcome is AttemptOutcome.Delivered or AttemptOutcome.Interrupted or AttemptOutcome.ClientGone;

    private static string? ErrorType(Attempt attempt) => attempt.Outcome switch
    {
        AttemptOutcome.UpstreamStatus => attempt.UpstreamStatus.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AttemptOutcome.Unreachable => "unreachable",
        AttemptOutcome.TimedOut => "timeout",
        AttemptOutcome.Interrupted => "stream_interrupted",
        _ => null,
    };

    private static string? ErrorType(Exchange exchange)
    {
        if (exchange.ClientDisconnected) return "client_disconnected";
        if (exchange.StreamInterrupted) return "stream_interrupted";
        if (exchange.ClientStatus >= 400) return exchange.ClientStatus.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    private static DateTimeOffset StartTime(long timestamp) => DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(timestamp);

    public static string RootName(Operation op) => op switch
    {
        Operation.Chat or Operation.Messages or Operation.CountTokens => SpanNames.ChatCompletions,
        Operation.Completion => SpanNames.Completions,
        Operation.Responses => SpanNames.Responses,
        Operation.Rerank => SpanNames.Rerank,
        Operation.AgentResponses => SpanNames.AgentResponsesHandler,
        _ => SpanNames.Embeddings,
    };

    public static string RootSpanType(Operation op) => op switch
    {
        Operation.Chat or Operation.Messages or Operation.CountTokens => SpanTypes.ChatCompletion,
        Operation.Completion => SpanTypes.Completion,
        Operation.Responses => SpanTypes.ChatCompletion,
        Operation.Rerank => SpanTypes.Rerank,
        Operation.AgentResponses => SpanTypes.AgentResponse,
        _ => SpanTypes.Embedding,
    };

    /// <summary><c>tfy.model.request_type</c>: the root's span type, except for the Responses API (seed 003's CreateModelResponse).</summary>
    public static string RequestType(Operation op) => op == Operation.Responses ? RequestTypes.CreateModelResponse : RootSpanType(op);

    public static string OperationName(Operation op) => op switch
    {
        Operation.Chat or Operation.Messages or Operation.CountTokens => OperationNames.Chat,
        Operation.Completion => OperationNames.TextCompletion,
        Operation.Responses => OperationNames.Chat,
        Operation.Rerank => OperationNames.Rerank,
        Operation.AgentResponses => OperationNames.InvokeAgent,
        _ => OperationNames.Embeddings,
    };
}
