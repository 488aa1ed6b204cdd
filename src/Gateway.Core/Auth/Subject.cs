namespace Gateway.Auth;

/// <summary>
/// Who made a request: a <c>user</c> (slug is an email) or a <c>virtualaccount</c> (slug is a name),
/// with teams and tenant. Written on spans as <c>type:slug</c>, e.g. <c>user:example@email.com</c>.
/// </summary>
internal sealed record Subject(string Type, string Slug, IReadOnlyList<string> Teams, string Tenant)
{
    public const string UserType = "user";
    public const string VirtualAccountType = "virtualaccount";

    /// <summary>The caller when no API keys are configured (the embedded default).</summary>
    public static readonly Subject Anonymous = new(UserType, "anonymous", [], "default");

    public bool IsAdmin { get; init; }

    /// <summary><c>type:slug</c>, the form used by rules and spans.</summary>
    public override string ToString() => Type + ":" + Slug;
}
