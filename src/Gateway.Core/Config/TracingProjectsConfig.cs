namespace Gateway.Config;

/// <summary>
/// The <c>tracing_projects:</c> section: where spans land and who may read them. Without the
/// section there is one project, <see cref="DefaultFqn"/>, readable by admins only.
/// </summary>
internal sealed class TracingProjectsConfig
{
    /// <summary>The tenant of the anonymous subject is <c>default</c>, so is the built-in project's.</summary>
    public const string DefaultFqn = "default:tracing-project:default";

    public static readonly TracingProjectsConfig Empty = new()
    {
        Default = DefaultFqn,
        Projects = [new TracingProjectConfig { Fqn = DefaultFqn }],
    };

    /// <summary>False when the file has no tracing_projects section.</summary>
    public bool IsConfigured => !ReferenceEquals(this, Empty);

    /// <summary>The project of requests no rule matches.</summary>
    public required string Default { get; init; }
    /// <summary>In file order; the first project with a matching rule wins.</summary>
    public required IReadOnlyList<TracingProjectConfig> Projects { get; init; }

    public TracingProjectConfig? Find(string fqn)
    {
        foreach (var p in Projects)
        {
            if (string.Equals(p.Fqn, fqn, StringComparison.Ordinal)) return p;
        }
        return null;
    }
}
