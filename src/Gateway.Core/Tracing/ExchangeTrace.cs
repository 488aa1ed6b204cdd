using System.Diagnostics;
using Gateway.Proxy;
using Gateway.Config;

namespace Gateway.Tracing;

/// <summary>What tracing keeps per request (in <see cref="Proxy.Exchange.ListenerState"/>).</summary>
internal sealed class ExchangeTrace(Activity? root, TracingOptions options)
{
    private string? _subject;
    private string[]? _teams;
    private string? _metadata;
    private bool _parametersBoxed;
    private object? _maxTokens;
    private object? _temperature;
    private object? _topP;

    public Activity? Root { get; } = root;
    public TracingOptions Options { get; } = options;
    /// <summary>tfy.tracing_project_fqn of every span of the request (tracing projects' rules, or the default).</summary>
    public string ProjectFqn { get; init; } = options.DefaultProjectFqn;
    /// <summary>The request's messages, read once at start while the body is valid.</summary>
    public List<PromptMessage>? Prompt { get; set; }
    /// <summary><c>tfy.input</c>, shared by the root and every Model span (one string, several spans).</summary>
    public string? Input { get; set; }
    /// <summary><c>tfy.output</c> of the answer the client got, built once for the Model span and the root.</summary>
    public string? Output { get; set; }
    /// <summary>
    /// Set by the guardrail stage when llm_output_guardrails check the answer: they run after the attempt ended,
    /// so the delivered attempt's Model span is held open (<see cref="PendingModel"/>) until the request ends and
    /// stores the answer as they left it. Holding the span, rather than checking inside the attempt, keeps retries,
    /// fallback and the model caller unaware of guardrails.
    /// </summary>
    public bool OutputGuarded { get; set; }
    /// <summary>The delivered attempt's Model span, its end time set, waiting for its <c>tfy.output</c>.</summary>
    public Activity? PendingModel { get; set; }

    /// <summary>
    /// Sets the request-level attributes on a span of the request as it starts: subject, teams, metadata and
    /// tracing project. Each span carries them itself, so a query by user, account, metadata or project finds
    /// it whenever the store writes it (spans end, and are written, before the root ends) and wherever it is
    /// exported. The values are built once per request, on its first recorded span. Never throws: a part
    /// that fails to build is left out of every span, and <see cref="TagFault"/> says why.
    /// </summary>
    public void TagRequest(Activity? span, Exchange exchange)
    {
        if (span is not { IsAllDataRequested: true }) return;
        var subjectText = Volatile.Read(ref _subject) ?? BuildRequestTags(exchange);
        span.SetTag(SpanAttributes.TfyTracingProjectFqn, ProjectFqn);
        span.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subjectText);
        if (_teams is not null) span.SetTag(SpanAttributes.TfyRequestCreatedBySubjectTeams, _teams);
        if (_metadata is not null) span.SetTag(SpanAttributes.TfyRequestMetadata, _metadata);
    }

    /// <summary>
    /// Sets <c>gen_ai.request.max_tokens</c>, <c>temperature</c> and <c>top_p</c>, boxed on the first span (the root,
    /// in OnStart, before any attempt) and shared by every later one: boxing them per span cost 72 B per span.
    /// </summary>
    public void TagRequestParameters(Activity span, in RequestHead head)
    {
        if (!_parametersBoxed)
        {
            _maxTokens = head.MaxTokens;
            _temperature = head.Temperature;
            _topP = head.TopP;
            _parametersBoxed = true;
        }
        if (_maxTokens is not null) span.AddTag(SpanAttributes.GenAiRequestMaxTokens, _maxTokens);
        if (_temperature is not null) span.AddTag(SpanAttributes.GenAiRequestTemperature, _temperature);
        if (_topP is not null) span.AddTag(SpanAttributes.GenAiRequestTopP, _topP);
    }

    /// <summary>Why the request-level attributes could not all be built (the listener logs and counts it once); null when they were.</summary>
    public Exception? TagFault { get; private set; }

    private string BuildRequestTags(Exchange exchange)
    {
        string text;
        try
        {
            var subject = exchange.Subject;
            var metadata = exchange.Metadata;
            text = subject.ToString();
            _teams = subject.Teams.Count == 0 ? null : subject.Teams as string[] ?? [.. subject.Teams];
            _metadata = metadata.Count == 0 ? null : CompletionTags.MetadataJson(metadata);
        }
        catch (Exception e)
        {
            TagFault = e;
            _teams = null;
            _metadata = null;
            text = SafeSubject(exchange);
        }
        // Published last: a span started on another thread sees teams and metadata once it sees the subject.
        Volatile.Write(ref _subject, text);
        return text;
    }

    private static string SafeSubject(Exchange exchange)
    {
        try
        {
            return exchange.Subject.ToString();
        }
        catch (Exception)
        {
            return "unknown";
        }
    }
}
