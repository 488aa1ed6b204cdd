using System.Diagnostics;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Tracing;

/// <summary>
/// Turns exchanges into the span tree of seed 003 — root (<c>chatCompletions</c>, <c>completions</c> or
/// <c>embeddings</c>, kind Server) → <c>Model</c> per attempt → network call (kind Client) — and records the
/// GenAI metrics. Tags are set only on recorded spans; nothing here blocks or throws into the request path.
/// </summary>
internal sealed class TracingListener(GatewayRuntime runtime, GenAiMetrics? metrics, object? owner = null) : IExchangeListener
{
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
        var options = runtime.Current.Config.Tracing;
        Activity? root = null;
        if (s_source.HasListeners())
        {
            var parent = TraceContext.Parse(exchange.TraceParent, exchange.TraceState);
            var previous = Activity.Current;
            // Without a client context the root starts a new trace: ASP.NET Core's own request activity is
            // never exported, so it must not become a parent nobody can see.
            Activity.Current = null;
            root = s_source.StartActivity(RootName(exchange.Operation), ActivityKind.Server, parent, startTime: StartTime(exchange.StartTimestamp));
            // With a root, later spans (rate limits, load balancing, guardrails) nest under it via Activity.Current.
            if (root is null) Activity.Current = previous;
        }
        if (owner is not null) root?.SetCustomProperty(OwnerProperty, owner);
        var state = new ExchangeTrace(root, options);
        exchange.ListenerState = state;
        if (root is null || !root.IsAllDataRequested) return;

        ref readonly var head = ref exchange.Head;
        root.SetTag(SpanAttributes.TfySpanType, RootSpanType(exchange.Operation));
        root.SetTag(SpanAttributes.TfyTracingProjectFqn, options.DefaultProjectFqn);
        root.SetTag(SpanAttributes.GenAiOperationName, OperationName(exchange.Operation));
        root.SetTag(SpanAttributes.GenAiRequestModel, head.Model);
        root.SetTag(SpanAttributes.TfyRequestModelName, head.Model);
        SetRequestParameters(root, in head);
        var body = exchange.RequestBody.Span;
        state.Prompt = RequestMessages.Read(body, exchange.Operation, options.CaptureContent, options.MaxContentChars);
        if (options.CaptureContent && !body.IsEmpty)
        {
            state.Input = SpanText.Utf8(body, options.MaxContentChars);
            root.SetTag(SpanAttributes.TfyInput, state.Input);
            if (CompletionTags.ShortHand(state.Prompt) is { } shortHand) root.SetTag(SpanAttributes.TfyInputShortHand, shortHand);
        }
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
        if (model is { IsAllDataRequested: true })
        {
            var options = state.Options;
            model.SetTag(SpanAttributes.TfySpanType, SpanTypes.Model);
            model.SetTag(SpanAttributes.TfyTracingProjectFqn, options.DefaultProjectFqn);
            model.SetTag(SpanAttributes.GenAiOperationName, OperationName(exchange.Operation));
            model.SetTag(SpanAttributes.GenAiSystem, target.Upstream.System);
            model.SetTag(SpanAttributes.GenAiProviderName, target.Upstream.System);
            model.SetTag(SpanAttributes.GenAiRequestModel, target.Model.UpstreamModel);
            SetRequestParameters(model, in exchange.Head);
            model.SetTag(SpanAttributes.TfyRequestModelName, exchange.Head.Model);
            model.SetTag(SpanAttributes.TfyRequestCreatedBySubject, exchange.Subject.ToString());
            model.SetTag(SpanAttributes.TfyModelId, target.Id);
            model.SetTag(SpanAttributes.TfyModelName, target.Model.Name);
            model.SetTag(SpanAttributes.TfyModelFqn, target.Id);
            model.SetTag(SpanAttributes.TfyModelRequestUrl, SafeUrl(attempt.Url));
            model.SetTag(SpanAttributes.TfyModelStreaming, exchange.IsStream);
            model.SetTag(SpanAttributes.TfyModelRequestType, RootSpanType(exchange.Operation));
            if (state.Input is not null) model.SetTag(SpanAttributes.TfyInput, state.Input);
        }
        if (network is { IsAllDataRequested: true })
        {
            network.SetTag(SpanAttributes.TfyTracingProjectFqn, state.Options.DefaultProjectFqn);
            network.SetTag(SpanAttributes.HttpRequestMethod, "POST");
            if (attempt.Url is { } url)
            {
                network.SetTag(SpanAttributes.UrlFull, SafeUrl(url));
                network.SetTag(SpanAttributes.ServerAddress, url.Host);
                network.SetTag(SpanAttributes.ServerPort, url.Port);
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
                if (attempt.UpstreamStatus > 0) network.SetTag(SpanAttributes.HttpResponseStatusCode, attempt.UpstreamStatus);
                if (failed)
                {
                    network.SetTag(SpanAttributes.ErrorType, errorType);
                    network.SetStatus(ActivityStatusCode.Error, attempt.ErrorMessage);
                }
            }
            network.Stop();
        }
        if (spans.Model is { } model)
        {
            if (model.IsAllDataRequested && exchange.ListenerState is ExchangeTrace state) SetModelResult(model, state, exchange, attempt, failed, errorType);
            model.Stop();
        }
        Activity.Current = previous;
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
        var errorType = ErrorType(exchange);
        if (metrics is not null) RecordMetrics(metrics, exchange, errorType);
        if (state?.Root is not { } root) return;
        if (root.IsAllDataRequested) SetRootResult(root, state, exchange, errorType);
        root.Stop();
    }

    private static void SetRootResult(Activity root, ExchangeTrace state, Exchange exchange, string? errorType)
    {
        var target = exchange.Target;
        if (target is not null)
        {
            root.SetTag(SpanAttributes.GenAiSystem, target.Upstream.System);
            root.SetTag(SpanAttributes.GenAiProviderName, target.Upstream.System);
        }
        var subject = exchange.Subject;
        root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject.ToString());
        if (subject.Teams.Count > 0) root.SetTag(SpanAttributes.TfyRequestCreatedBySubjectTeams, subject.Teams as string[] ?? [.. subject.Teams]);
        if (exchange.Metadata.Count > 0) root.SetTag(SpanAttributes.TfyRequestMetadata, CompletionTags.MetadataJson(exchange.Metadata));
        if (exchange.ConversationId is { } conversation)
        {
            root.SetTag(SpanAttributes.TfyRequestConversationId, conversation);
            root.SetTag(SpanAttributes.GenAiConversationId, conversation);
        }
        if (exchange.Plan is { AppliedRuleIds.Count: > 0 } plan) root.SetTag(SpanAttributes.AppliedLoadBalanceRuleIds, plan.AppliedRuleIds as string[] ?? [.. plan.AppliedRuleIds]);
        root.SetTag(SpanAttributes.HttpResponseStatusCode, exchange.ClientStatus);
        var system = target?.Upstream.System ?? "";
        if (state.Prompt is { } prompt) CompletionTags.SetPrompt(root, prompt, system, state.Options.CaptureContent);
        var delivered = exchange.Attempts.Count > 0 ? exchange.Attempts[^1] : null;
        if (delivered is not null && ReachedClient(delivered) && exchange.Accumulator is { } accumulator)
        {
            CompletionTags.SetCompletion(root, accumulator, state.Options.CaptureContent);
            if (state.Options.CaptureContent && exchange.Operation != Operation.Embedding)
            {
                state.Output ??= CompletionTags.OutputJson(accumulator, state.Options.MaxContentChars);
                if (state.Output is not null) root.SetTag(SpanAttributes.TfyOutput, state.Output);
            }
        }
        if (errorType is not null)
        {
            var message = exchange.ErrorMessage ?? $"HTTP {exchange.ClientStatus}";
            root.SetTag(SpanAttributes.TfyErrorMessage, message);
            root.SetTag(SpanAttributes.ErrorType, errorType);
            if (!exchange.ClientDisconnected) root.SetStatus(ActivityStatusCode.Error, message);
        }
    }

    private static void SetModelResult(Activity model, ExchangeTrace state, Exchange exchange, Attempt attempt, bool failed, string? errorType)
    {
        model.SetTag(SpanAttributes.TfyModelMetricLatencyInMs, Math.Round(attempt.LatencyMs, 3));
        if (attempt.UpstreamStatus > 0) model.SetTag(SpanAttributes.HttpResponseStatusCode, attempt.UpstreamStatus);
        if (ReachedClient(attempt) && exchange.Accumulator is { } accumulator)
        {
            var input = accumulator.InputTokens;
            var output = accumulator.OutputTokens;
            if (input is not null)
            {
                model.SetTag(SpanAttributes.TfyModelMetricInputTokens, input.Value);
                model.SetTag(SpanAttributes.GenAiUsageInputTokens, input.Value);
            }
            if (output is not null)
            {
                model.SetTag(SpanAttributes.TfyModelMetricOutputTokens, output.Value);
                model.SetTag(SpanAttributes.GenAiUsageOutputTokens, output.Value);
            }
            if (accumulator.CachedInputTokens is { } cached)
            {
                model.SetTag(SpanAttributes.TfyModelMetricCacheReadInputTokens, cached);
                model.SetTag(SpanAttributes.GenAiUsageCacheReadInputTokens, cached);
            }
            if (attempt.Target.Cost(input, output) is { } cost && (input is not null || output is not null)) model.SetTag(SpanAttributes.TfyModelMetricCostInUsd, cost);
            if (accumulator.ResponseId is { } id) model.SetTag(SpanAttributes.GenAiResponseId, id);
            if (accumulator.ResponseModel is { } responseModel) model.SetTag(SpanAttributes.GenAiResponseModel, responseModel);
            if (CompletionTags.FinishReasons(accumulator) is { } reasons) model.SetTag(SpanAttributes.GenAiResponseFinishReasons, reasons);
            if (exchange.IsStream && exchange.FirstTokenTimestamp >= attempt.StartTimestamp && exchange.FirstTokenTimestamp != 0)
            {
                var ttft = Stopwatch.GetElapsedTime(attempt.StartTimestamp, exchange.FirstTokenTimestamp).TotalMilliseconds;
                model.SetTag(SpanAttributes.TfyModelMetricTimeToFirstTokenInMs, Math.Round(ttft, 3));
                if (exchange.InterTokenLatencyMs is { } itl) model.SetTag(SpanAttributes.TfyModelMetricInterTokenLatencyInMs, Math.Round(itl, 3));
            }
            if (state.Options.CaptureContent && exchange.Operation != Operation.Embedding)
            {
                state.Output ??= CompletionTags.OutputJson(accumulator, state.Options.MaxContentChars);
                if (state.Output is not null) model.SetTag(SpanAttributes.TfyOutput, state.Output);
            }
        }
        if (failed)
        {
            var message = attempt.ErrorMessage ?? $"upstream status {attempt.UpstreamStatus}";
            model.SetTag(SpanAttributes.TfyErrorMessage, message);
            model.SetTag(SpanAttributes.ErrorType, errorType);
            model.SetStatus(ActivityStatusCode.Error, message);
        }
    }

    private static void RecordMetrics(GenAiMetrics metrics, Exchange exchange, string? errorType)
    {
        if (!metrics.Enabled) return;
        var tags = new TagList
        {
            { SpanAttributes.GenAiOperationName, OperationName(exchange.Operation) },
            { SpanAttributes.GenAiRequestModel, exchange.Head.Model },
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

    private static void SetRequestParameters(Activity activity, in RequestHead head)
    {
        if (head.MaxTokens is { } max) activity.SetTag(SpanAttributes.GenAiRequestMaxTokens, max);
        if (head.Temperature is { } temperature) activity.SetTag(SpanAttributes.GenAiRequestTemperature, temperature);
        if (head.TopP is { } topP) activity.SetTag(SpanAttributes.GenAiRequestTopP, topP);
    }

    /// <summary>The URL without query or user info: some providers take keys in the query string.</summary>
    private static string? SafeUrl(Uri? url) => url?.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private static DateTimeOffset StartTime(long timestamp) => DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(timestamp);

    public static string RootName(Operation op) => op switch
    {
        Operation.Chat => SpanNames.ChatCompletions,
        Operation.Completion => SpanNames.Completions,
        _ => SpanNames.Embeddings,
    };

    public static string RootSpanType(Operation op) => op switch
    {
        Operation.Chat => SpanTypes.ChatCompletion,
        Operation.Completion => SpanTypes.Completion,
        _ => SpanTypes.Embedding,
    };

    public static string OperationName(Operation op) => op switch
    {
        Operation.Chat => OperationNames.Chat,
        Operation.Completion => OperationNames.TextCompletion,
        _ => OperationNames.Embeddings,
    };
}
