namespace Gateway.Config;

/// <summary>
/// The <c>tracing:</c> section: what spans carry. Where they go (OTLP endpoint, protocol, headers) comes
/// from the OTEL_* environment variables of seed 000 instead, so the same config file serves every deployment.
/// </summary>
internal sealed class TracingOptions
{
    public const string DefaultProjectFqnValue = "default:tracing-project:default";
    public const int DefaultMaxContentChars = 64 * 1024;

    /// <summary>Prompt and completion text on spans (on by default, as in the seeds' example trace).</summary>
    public bool CaptureContent { get; init; } = true;

    /// <summary>Each content attribute is cut to this many characters.</summary>
    public int MaxContentChars { get; init; } = DefaultMaxContentChars;

    /// <summary><c>tfy.tracing_project_fqn</c> of every span until tracing projects exist.</summary>
    public string DefaultProjectFqn { get; init; } = DefaultProjectFqnValue;
}
