using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Providers;
using Gateway.Proxy;
using Gateway.Routing;
using Gateway.Streaming;
using Gateway.Tracing;

namespace Gateway.Tests.Tracing;

/// <summary>
/// The listener driven the way the request path drives it, observed with a plain ActivityListener: retries and
/// fallbacks, request context attributes that the functional tests cannot set yet (subject, teams, metadata).
/// </summary>
[Collection(GatewaySourceCollection.Name)]
public sealed class TracingListenerTests : IDisposable
{
    private const string Yaml = """
        providers:
          - name: primary
            type: openai
            base_url: http://user:pw-secret@primary.invalid/v1
            api_key: sk-unit-secret
            models:
              - name: gpt-4o
                price: {input_per_million_tokens: 1, output_per_million_tokens: 2}
          - name: backup
            type: openai
            base_url: http://backup.invalid/v1
            models: [gpt-4o-mini]
        """;

    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly GatewayRuntime _runtime = new(ConfigLoader.Load(Yaml, "unit.yaml", _ => null));
    private readonly string _testTrace = ActivityTraceId.CreateRandom().ToHexString();

    public TracingListenerTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == GatewayActivitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.TraceId.ToHexString() == _testTrace) _stopped.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _runtime.Dispose();
    }

    private Exchange NewExchange(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var exchange = new Exchange { Operation = Operation.Chat, StartTimestamp = Stopwatch.GetTimestamp() };
        Assert.True(RequestHead.TryRead(bytes, out exchange.Head, out _));
        exchange.RequestBody = bytes;
        exchange.TraceParent = $"00-{_testTrace}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        exchange.Accumulator = new CompletionAccumulator(true, 1000);
        return exchange;
    }

    private Attempt Try(TracingListener listener, Exchange exchange, RouteStep step, int retry, out HttpRequestMessage request)
    {
        var attempt = new Attempt { Step = step, Number = exchange.Attempts.Count, Retry = retry, StartTimestamp = Stopwatch.GetTimestamp() };
        exchange.Attempts.Add(attempt);
        exchange.Target = step.Target;
        attempt.Url = step.Target.Upstream.UrlFor(Operation.Chat);
        request = new HttpRequestMessage(HttpMethod.Post, attempt.Url);
        listener.OnAttemptStart(exchange, attempt, request);
        return attempt;
    }

    [Fact]
    public void RetryThenFallback_OneModelAndNetworkSpanPerAttempt_UsageOnlyOnTheDeliveredOne()
    {
        var catalog = _runtime.Current.Catalog;
        Assert.True(catalog.TryGet("primary/gpt-4o", out var primary));
        Assert.True(catalog.TryGet("backup/gpt-4o-mini", out var backup));
        var plan = new RoutePlan([new RouteStep(primary) { Attempts = 2 }, new RouteStep(backup)]) { AppliedRuleIds = ["lb-rule-1"] };
        var listener = new TracingListener(_runtime, null);
        var exchange = NewExchange("""{"model":"primary/gpt-4o","messages":[{"role":"user","content":"hello"}]}""");
        exchange.Subject = new Subject(Subject.UserType, "alice@example.com", ["eng", "ml"], "acme");
        exchange.Metadata = new Dictionary<string, string> { ["tier"] = "gold", ["app"] = "chat-ui" };
        exchange.ConversationId = "conv-7";
        exchange.Plan = plan;

        listener.OnStart(exchange);
        var requests = new List<HttpRequestMessage>();
        for (var i = 0; i < 3; i++)
        {
            var step = i < 2 ? plan.Steps[0] : plan.Steps[1];
            var attempt = Try(listener, exchange, step, i < 2 ? i : 0, out var request);
            requests.Add(request);
            if (i < 2)
            {
                attempt.UpstreamStatus = 503;
                attempt.Outcome = AttemptOutcome.UpstreamStatus;
                attempt.ErrorMessage = "The upstream answered 503: overloaded";
            }
            else
            {
                exchange.Accumulator!.Observe("""{"id":"r1","model":"gpt-4o-mini-2024","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"""u8);
                attempt.UpstreamStatus = 200;
                attempt.Outcome = AttemptOutcome.Delivered;
            }
            attempt.EndTimestamp = Stopwatch.GetTimestamp();
            listener.OnAttemptEnd(exchange, attempt);
        }
        exchange.ClientStatus = 200;
        exchange.EndTimestamp = Stopwatch.GetTimestamp();
        listener.OnEnd(exchange);

        var spans = _stopped.ToList();
        var root = Assert.Single(spans, s => s.OperationName == SpanNames.ChatCompletions);
        var models = spans.Where(s => s.OperationName == SpanNames.Model).OrderBy(s => s.StartTimeUtc).ToList();
        var networks = spans.Where(s => s.OperationName == SpanNames.NetworkCall).ToList();
        Assert.Equal(3, models.Count);
        Assert.Equal(3, networks.Count);
        Assert.All(models, m => Assert.Equal(root.SpanId, m.ParentSpanId));
        Assert.All(networks, n => Assert.Contains(models, m => m.SpanId == n.ParentSpanId));
        for (var i = 0; i < 3; i++)
        {
            var network = networks.Single(n => n.ParentSpanId == models[i].SpanId);
            Assert.Equal(network.Id, requests[i].Headers.GetValues("traceparent").Single());
        }

        Assert.Equal(ActivityStatusCode.Error, models[0].Status);
        Assert.Equal("503", models[1].GetTagItem(SpanAttributes.ErrorType));
        Assert.Equal("The upstream answered 503: overloaded", models[1].GetTagItem(SpanAttributes.TfyErrorMessage));
        Assert.Null(models[0].GetTagItem(SpanAttributes.TfyModelMetricInputTokens));
        Assert.Equal("primary/gpt-4o", models[0].GetTagItem(SpanAttributes.TfyModelId));
        Assert.Equal("backup/gpt-4o-mini", models[2].GetTagItem(SpanAttributes.TfyModelId));
        Assert.Equal(ActivityStatusCode.Unset, models[2].Status);
        Assert.Equal(3L, models[2].GetTagItem(SpanAttributes.TfyModelMetricInputTokens));
        Assert.Equal(1L, models[2].GetTagItem(SpanAttributes.TfyModelMetricOutputTokens));
        // backup/gpt-4o-mini has the known price 0.15 / 0.60 per million.
        Assert.Equal((3 * 0.15 + 1 * 0.60) / 1_000_000, (double)models[2].GetTagItem(SpanAttributes.TfyModelMetricCostInUsd)!, 12);
        // User info (and query strings) of a base URL can hold a key: never on spans.
        Assert.Equal("http://primary.invalid/v1/chat/completions", models[0].GetTagItem(SpanAttributes.TfyModelRequestUrl));

        Assert.Equal("user:alice@example.com", root.GetTagItem(SpanAttributes.TfyRequestCreatedBySubject));
        Assert.Equal(new[] { "eng", "ml" }, root.GetTagItem(SpanAttributes.TfyRequestCreatedBySubjectTeams));
        Assert.Equal("""{"app":"chat-ui","tier":"gold"}""", root.GetTagItem(SpanAttributes.TfyRequestMetadata));
        Assert.Equal("conv-7", root.GetTagItem(SpanAttributes.TfyRequestConversationId));
        Assert.Equal(new[] { "lb-rule-1" }, root.GetTagItem(SpanAttributes.AppliedLoadBalanceRuleIds));
        Assert.Equal("hi", root.GetTagItem(IndexedKeys.CompletionContent(0)));
        Assert.Equal(ActivityStatusCode.Unset, root.Status);
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), t => t.Value is string v && (v.Contains("sk-unit-secret") || v.Contains("pw-secret")));
    }

    [Fact]
    public void SpansLeftOpenByAnException_AreEndedWithTheRequest()
    {
        var listener = new TracingListener(_runtime, null);
        var exchange = NewExchange("""{"model":"primary/gpt-4o","messages":[]}""");
        Assert.True(_runtime.Current.Catalog.TryGet("primary/gpt-4o", out var target));

        listener.OnStart(exchange);
        Try(listener, exchange, new RouteStep(target), 0, out _);
        exchange.ErrorMessage = "internal error";
        exchange.ClientStatus = 500;
        listener.OnEnd(exchange);

        var spans = _stopped.ToList();
        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.True(s.IsStopped));
        Assert.Equal("internal error", spans.Single(s => s.OperationName == SpanNames.Model).GetTagItem(SpanAttributes.TfyErrorMessage));
        Assert.Equal(ActivityStatusCode.Error, spans.Single(s => s.OperationName == SpanNames.ChatCompletions).Status);
    }

    [Fact]
    public void SpansOpenedUnderTheRoot_NestUnderIt_AndTheCurrentActivityIsRestored()
    {
        var listener = new TracingListener(_runtime, null);
        var exchange = NewExchange("""{"model":"primary/gpt-4o","messages":[]}""");
        Assert.True(_runtime.Current.Catalog.TryGet("primary/gpt-4o", out var target));
        var before = Activity.Current;

        listener.OnStart(exchange);
        var root = Activity.Current;
        using (GatewaySpans.Start(SpanNames.LoadBalanceMiddleware, exchange))
        {
        }
        Assert.Same(root, Activity.Current);
        var fallback = GatewaySpans.Start(SpanNames.FallbackRequest, exchange);
        var attempt = Try(listener, exchange, new RouteStep(target), 0, out _);
        Assert.Same(fallback, Activity.Current);
        attempt.Outcome = AttemptOutcome.Delivered;
        listener.OnAttemptEnd(exchange, attempt);
        fallback?.Dispose();
        exchange.ClientStatus = 200;
        listener.OnEnd(exchange);
        Activity.Current = before;

        var spans = _stopped.ToList();
        var rootSpan = spans.Single(s => s.OperationName == SpanNames.ChatCompletions);
        var lbSpan = spans.Single(s => s.OperationName == SpanNames.LoadBalanceMiddleware);
        var fbSpan = spans.Single(s => s.OperationName == SpanNames.FallbackRequest);
        Assert.Equal(rootSpan.SpanId, lbSpan.ParentSpanId);
        Assert.Equal(rootSpan.SpanId, fbSpan.ParentSpanId);
        Assert.Equal(rootSpan.GetTagItem(SpanAttributes.TfyTracingProjectFqn), fbSpan.GetTagItem(SpanAttributes.TfyTracingProjectFqn));
        Assert.Equal(fbSpan.SpanId, spans.Single(s => s.OperationName == SpanNames.Model).ParentSpanId);
    }

    [Fact]
    public void InvalidTextInTheRequest_IsCapturedWithReplacementCharacters_AndNothingFails()
    {
        var listener = new TracingListener(_runtime, null);
        byte[] raw = [.. """{"model":"primary/gpt-4o","messages":[{"role":"user","content":"hi \ud800 """u8, 0xFF, .. "\"},{\"role\":\"sys\\udc00\",\"content\":\"x\"}]}"u8];
        var exchange = NewExchange(Encoding.UTF8.GetString(raw));
        exchange.RequestBody = raw;

        listener.OnStart(exchange);
        exchange.ClientStatus = 200;
        listener.OnEnd(exchange);

        var root = Assert.Single(_stopped, s => s.OperationName == SpanNames.ChatCompletions);
        Assert.Equal(Encoding.UTF8.GetString(raw), root.GetTagItem(SpanAttributes.TfyInput));
        Assert.Equal("hi \uFFFD \uFFFD", root.GetTagItem(IndexedKeys.PromptContent(0)));
        Assert.Equal("sys\uFFFD", root.GetTagItem(IndexedKeys.PromptRole(1)));
        Assert.Equal(0, listener.Faults);
    }

    [Fact]
    public void AFailingPartOfASpan_IsCountedAndLogged_AndTheRestOfTheSpanIsKept()
    {
        var log = new ListLogger();
        var listener = new TracingListener(_runtime, null, logger: log);
        var exchange = NewExchange("""{"model":"primary/gpt-4o","messages":[{"role":"user","content":"hello"}]}""");
        // A bug in one part (here: request context that throws when read) must cost that part only.
        exchange.Subject = new Subject(Subject.UserType, "alice@example.com", new ThrowingList(), "acme");
        Assert.True(_runtime.Current.Catalog.TryGet("primary/gpt-4o", out var target));

        listener.OnStart(exchange);
        var attempt = Try(listener, exchange, new RouteStep(target), 0, out _);
        exchange.Accumulator!.Observe("""{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"""u8);
        attempt.UpstreamStatus = 200;
        attempt.Outcome = AttemptOutcome.Delivered;
        listener.OnAttemptEnd(exchange, attempt);
        exchange.ClientStatus = 200;
        listener.OnEnd(exchange);

        var root = Assert.Single(_stopped, s => s.OperationName == SpanNames.ChatCompletions);
        Assert.NotNull(root.GetTagItem(SpanAttributes.TfyInput));
        Assert.Equal("hello", root.GetTagItem(IndexedKeys.PromptContent(0)));
        Assert.Equal("hi", root.GetTagItem(IndexedKeys.CompletionContent(0)));
        Assert.Equal(200, root.GetTagItem(SpanAttributes.HttpResponseStatusCode));
        Assert.True(root.IsStopped);
        Assert.True(listener.Faults >= 1);
        Assert.Contains(log.Lines, l => l.Contains("ThrowingList", StringComparison.Ordinal) || l.Contains("teams broke", StringComparison.Ordinal));
    }

    private sealed class ThrowingList : IReadOnlyList<string>
    {
        public string this[int index] => throw new InvalidOperationException("teams broke");
        public int Count => throw new InvalidOperationException("teams broke");
        public IEnumerator<string> GetEnumerator() => throw new InvalidOperationException("teams broke");
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception) + " " + exception?.Message);
    }
}
