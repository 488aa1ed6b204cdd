using Gateway.Proxy;

namespace Gateway.Limits;

/// <summary>
/// The values a rule's <c>rate_limit_applies_per</c> / <c>budget_applies_per</c> split it by: one bucket
/// (or counter) per combination. <c>user</c> is the caller as <c>type:slug</c>; <c>virtualaccount</c> the
/// slug of a virtual account (empty for users); <c>team</c> the caller's first team; <c>model</c> the
/// model asked for; <c>metadata.&lt;key&gt;</c> that x-tfy-metadata value (empty when absent).
/// </summary>
internal sealed class LimitKey
{
    /// <summary>Between the values of a two-part key; not a character keys or metadata values carry.</summary>
    public const char Separator = '\u001f';

    private readonly string[] _parts;

    public LimitKey(IReadOnlyList<string> appliesPer) => _parts = [.. appliesPer];

    public IReadOnlyList<string> Parts => _parts;

    /// <summary>The bucket's key for this request; "" (no allocation) when the rule is one shared pool.</summary>
    public string For(Exchange exchange) => _parts.Length switch
    {
        0 => "",
        1 => Value(_parts[0], exchange),
        _ => string.Concat(Value(_parts[0], exchange), Separator.ToString(), Value(_parts[1], exchange)),
    };

    private static string Value(string part, Exchange exchange)
    {
        var subject = exchange.Subject;
        return part switch
        {
            "user" => subject.ToString(),
            "virtualaccount" => subject.Type == Auth.Subject.VirtualAccountType ? subject.Slug : "",
            "team" => subject.Teams.Count > 0 ? subject.Teams[0] : "",
            "model" => exchange.Head.Model ?? "",
            _ => exchange.Metadata.TryGetValue(part["metadata.".Length..], out var v) ? v : "",
        };
    }

    /// <summary>The values of <paramref name="key"/>, one per part of <see cref="Parts"/>.</summary>
    public string[] Values(string key) => _parts.Length switch
    {
        0 => [],
        1 => [key],
        _ => key.Split(Separator),
    };

    /// <summary>
    /// Whether <paramref name="key"/> belongs to <paramref name="subject"/> (the usage API shows a caller only these):
    /// a key split by <c>user</c> names the caller, or one split by <c>virtualaccount</c> the caller's virtual account.
    /// </summary>
    public bool BelongsTo(string key, Auth.Subject subject)
    {
        var values = Values(key);
        for (var i = 0; i < _parts.Length && i < values.Length; i++)
        {
            var mine = _parts[i] switch
            {
                "user" => values[i] == subject.ToString(),
                "virtualaccount" => subject.Type == Auth.Subject.VirtualAccountType && values[i] == subject.Slug,
                _ => false,
            };
            if (mine) return true;
        }
        return false;
    }
}
