namespace Gateway.Config;

/// <summary>The <c>routing</c> section: rules evaluated in order before virtual models, and target health options.</summary>
internal sealed class RoutingConfig
{
    public static readonly RoutingConfig Empty = new();

    public IReadOnlyList<RoutingRuleConfig> Rules { get; init; } = [];
    public HealthOptions Health { get; init; } = HealthOptions.Default;
}
