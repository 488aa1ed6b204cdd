namespace Gateway;

/// <summary>The parsed flags of <c>gateway spans query</c>.</summary>
internal sealed class SpansQueryOptions
{
    public required string Url { get; set; }
    public string? ApiKey { get; set; }
    public string? Project { get; set; }
    public required string Start { get; set; }
    public string? End { get; set; }
    public bool Root { get; set; }
    public List<string> SubjectTypes { get; } = [];
    public List<string> SubjectSlugs { get; } = [];
    public List<string> TraceIds { get; } = [];
    public List<string> SpanIds { get; } = [];
    public List<string> Applications { get; } = [];
    /// <summary>Filter objects as JSON text.</summary>
    public List<string> Filters { get; } = [];
    public int? Limit { get; set; }
    public string? Sort { get; set; }
    public string? PageToken { get; set; }
    public bool All { get; set; }
    public bool Json { get; set; }
}
