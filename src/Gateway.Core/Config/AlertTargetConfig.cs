namespace Gateway.Config;

/// <summary>A budget alert's <c>notification_target</c>: the log, or a webhook that gets a JSON POST (docs/limits.md).</summary>
internal sealed record AlertTargetConfig(string Type, string? Url, IReadOnlyDictionary<string, string> Headers);
