namespace Gateway;

/// <summary>The flags of <c>gateway spans query</c>, bound by <see cref="SpansQueryCommand"/>.</summary>
internal sealed class SpansQueryOptions
{
    public required string Url { get; init; }
    public string? ApiKey { get; init; }
    public string? Project { get; init; }
    public required string Start { get; init; }
    public string? End { get; init; }
    public bool Root { get; init; }
    public IReadOnlyList<string> SubjectTypes { get; init; } = [];
    public IReadOnlyList<string> SubjectSlugs { get; init; } = [];
    public IReadOnlyList<string> TraceIds { get; init; } = [];
    public IReadOnlyList<string> SpanIds { get; init; } = [];
    public IReadOnlyList<string> Applications { get; init; } = [];
    /// <summary>Filter objects as JSON text.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];
    public int? Limit { get; init; }
    public string? Sort { get; init; }
    public string? PageToken { get; init; }
    public bool All { get; init; }
    public bool Json { get; init; }
}
