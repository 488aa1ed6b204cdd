namespace Gateway.Spans;

/// <summary>A validated <c>POST /api/svc/v1/spans/query</c> body.</summary>
internal sealed class SpanQuery
{
    public const int DefaultLimit = 200;
    /// <summary>The cap on one page: keeps a response to a few MB even with full prompts in attributes.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Null means the configured default project.</summary>
    public string? TracingProjectFqn { get; init; }
    /// <summary>Spans that started at or after this (Unix ns).</summary>
    public required long StartNs { get; init; }
    /// <summary>Spans that started at or before this; null means now, pinned by the first page's token.</summary>
    public long? EndNs { get; init; }
    public IReadOnlyList<string> TraceIds { get; init; } = [];
    public IReadOnlyList<string> SpanIds { get; init; } = [];
    /// <summary><c>[""]</c> selects root spans.</summary>
    public IReadOnlyList<string> ParentSpanIds { get; init; } = [];
    public IReadOnlyList<string> CreatedBySubjectTypes { get; init; } = [];
    public IReadOnlyList<string> CreatedBySubjectSlugs { get; init; } = [];
    public IReadOnlyList<string> ApplicationNames { get; init; } = [];
    public IReadOnlyList<SpanFilter> Filters { get; init; } = [];
    public int Limit { get; init; } = DefaultLimit;
    /// <summary>Newest first by default, as the reference API.</summary>
    public bool Ascending { get; init; }
    public string? PageToken { get; init; }

    public bool RootsOnly => ParentSpanIds is [""];
}
