using Gateway.Auth;

namespace Gateway.Config;

/// <summary>
/// One API key: the SHA-256 of the key (never the key itself, so a leaked config or heap dump does
/// not leak credentials) and the subject it authenticates as.
/// </summary>
internal sealed class ApiKeyConfig
{
    /// <summary>Label for logs and errors; defaults to the subject.</summary>
    public required string Name { get; init; }
    /// <summary>32 bytes: SHA-256 of the key's UTF-8 bytes.</summary>
    public required byte[] Sha256 { get; init; }
    public required Subject Subject { get; init; }
}
