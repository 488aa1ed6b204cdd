namespace Gateway.McpGateway;

/// <summary>
/// The MCP revisions the gateway endpoint speaks: those with the <c>initialize</c> handshake. Clients that prefer
/// a later, handshake-free revision (2026-07-28) probe with <c>server/discover</c>, get "method not found" and
/// fall back to <c>initialize</c> with one of these.
/// </summary>
internal static class McpProtocolVersions
{
    public const string Latest = "2025-11-25";

    private static readonly string[] s_supported = [Latest, "2025-06-18", "2025-03-26", "2024-11-05"];

    public static IReadOnlyList<string> Supported => s_supported;

    public static bool IsSupported(string version) => Array.IndexOf(s_supported, version) >= 0;

    /// <summary>
    /// Spec (Lifecycle, Version Negotiation): "If the server supports the requested protocol version, it MUST
    /// respond with the same version. Otherwise, the server MUST respond with another protocol version it
    /// supports. This SHOULD be the latest version supported by the server."
    /// </summary>
    public static string Negotiate(string? requested) => requested is not null && IsSupported(requested) ? requested : Latest;
}
