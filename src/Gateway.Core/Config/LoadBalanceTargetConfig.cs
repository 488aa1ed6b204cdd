namespace Gateway.Config;

/// <summary>One entry of <c>load_balance_targets</c> (truefoundry.md 1.1), validated.</summary>
internal sealed class LoadBalanceTargetConfig
{
    /// <summary>The Fallback status codes of the reference: 401, 403, 404, 429, 500, 502, 503.</summary>
    public static readonly IReadOnlySet<int> DefaultFallbackStatusCodes = new HashSet<int> { 401, 403, 404, 429, 500, 502, 503 };

    /// <summary>A provider model id, <c>provider/model</c>.</summary>
    public required string Target { get; init; }
    public int Weight { get; init; }
    /// <summary>Lower is preferred; defaults to the target's position in the list.</summary>
    public int Priority { get; init; }
    public SlaCutoff? SlaCutoff { get; init; }
    public required RetryConfig Retry { get; init; }
    public required IReadOnlySet<int> FallbackStatusCodes { get; init; }
    public required bool FallbackCandidate { get; init; }
    /// <summary>Top-level request fields to set, each value as JSON text, in config order.</summary>
    public required IReadOnlyList<KeyValuePair<string, byte[]>> OverrideParams { get; init; }
}
