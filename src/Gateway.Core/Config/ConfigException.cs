namespace Gateway.Config;

/// <summary>One or more configuration errors, each naming file, line and field.</summary>
internal sealed class ConfigException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
