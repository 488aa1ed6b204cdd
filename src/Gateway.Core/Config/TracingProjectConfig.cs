namespace Gateway.Config;

/// <summary>One tracing project: its fully qualified name, who may read it, which requests land in it.</summary>
internal sealed class TracingProjectConfig
{
    /// <summary><c>&lt;tenant&gt;:tracing-project:&lt;name&gt;</c>, e.g. <c>acme:tracing-project:default</c>.</summary>
    public required string Fqn { get; init; }
    /// <summary>Subjects that may read the project: <c>user:&lt;email&gt;</c>, <c>team:&lt;name&gt;</c>, <c>virtualaccount:&lt;name&gt;</c>.</summary>
    public IReadOnlyList<string> Collaborators { get; init; } = [];
    public IReadOnlyList<TracingProjectRule> Rules { get; init; } = [];
}
