namespace Gateway.Config;

/// <summary>
/// The <c>tracing:</c> section: what spans carry. Where they go (OTLP endpoint, protocol, headers) comes
/// from the OTEL_* environment variables of seed 000 instead, so the same config file serves every deployment.
/// </summary>
/// <param name="CaptureContent">Prompt and completion text on spans (on by default, as in the seeds' example trace).</param>
/// <param name="MaxContentChars">Each content attribute is cut to this many characters.</param>
/// <param name="DefaultProjectFqn"><c>tfy.tracing_project_fqn</c> of every span until tracing projects exist.</param>
internal sealed record TracingOptions(
    bool CaptureContent = true,
    int MaxContentChars = 64 * 1024,
    string DefaultProjectFqn = TracingProjectsConfig.DefaultFqn)
{
    public void Check(ConfigErrors errors, string path)
    {
        // 4 Mi: collectors refuse gRPC messages over 4 MiB by default, so a longer value could never arrive.
        errors.Range(path + ".max_content_chars", MaxContentChars, 16, 4 * 1024 * 1024);
        if (string.IsNullOrWhiteSpace(DefaultProjectFqn)) errors.Add(path + ".default_project_fqn", "must not be empty");
    }
}
