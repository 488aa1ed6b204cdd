namespace Gateway.Config;

/// <summary>
/// The <c>when</c> of a routing rule: subjects AND models AND metadata, each satisfied when absent.
/// Within <see cref="Subjects"/> and <see cref="Models"/> any entry matches; every metadata pair must.
/// </summary>
internal sealed class RuleCondition
{
    public static readonly RuleCondition Always = new();

    /// <summary><c>user:&lt;slug&gt;</c>, <c>team:&lt;name&gt;</c> or <c>virtualaccount:&lt;slug&gt;</c>.</summary>
    public IReadOnlyList<string> Subjects { get; init; } = [];
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
