using Gateway.Config;

namespace Gateway.McpGateway;

/// <summary>
/// A remote server behind a gateway endpoint: the server itself (a plain endpoint), or one member of a virtual
/// server with the tools it takes from it. A tool is visible when both the server's allow-list and the
/// member's selection allow it.
/// </summary>
internal sealed record McpGatewayMember(McpServerConfig Server, McpMemberConfig? Selection)
{
    public bool Allows(string tool) => Server.Allows(tool) && (Selection?.Allows(tool) ?? true);

    /// <summary>The remote servers behind <paramref name="server"/>, in config order (members a reload removed are skipped).</summary>
    public static IReadOnlyList<McpGatewayMember> Of(McpServerConfig server, McpConfig config)
    {
        if (!server.IsVirtual) return [new McpGatewayMember(server, null)];
        var members = new List<McpGatewayMember>(server.Members.Count);
        foreach (var m in server.Members)
        {
            if (config.Find(m.Server) is { IsVirtual: false } remote) members.Add(new McpGatewayMember(remote, m));
        }
        return members;
    }
}
