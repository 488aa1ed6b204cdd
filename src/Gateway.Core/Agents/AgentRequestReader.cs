using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Agents;

/// <summary>Reads and checks the agent API's body; every problem is a 400 naming its field.</summary>
internal static class AgentRequestReader
{
    public static bool TryRead(ReadOnlySpan<byte> body, out AgentRequest request, out GatewayError? error)
    {
        request = new AgentRequest();
        error = null;
        try
        {
            request = JsonSerializer.Deserialize(body, AgentJsonContext.Wire.AgentRequest) ?? new AgentRequest();
        }
        catch (JsonException e)
        {
            error = e.Path is { Length: > 2 } path
                ? GatewayError.InvalidField(path.TrimStart('$', '.'), $"Invalid value at '{path.TrimStart('$', '.')}': {e.Message}")
                : GatewayError.InvalidJson(e.Message);
            return false;
        }
        error = Check(request);
        return error is null;
    }

    private static GatewayError? Check(AgentRequest r)
    {
        if (string.IsNullOrEmpty(r.Model)) return GatewayError.MissingField("model");
        if (r.Messages.ValueKind == JsonValueKind.Undefined) return GatewayError.MissingField("messages");
        if (r.Messages.ValueKind != JsonValueKind.Array || r.Messages.GetArrayLength() == 0) return GatewayError.InvalidField("messages", "'messages' must be a non-empty array of chat messages.");
        foreach (var m in r.Messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                return GatewayError.InvalidField("messages", "Each message must be an object with a 'role'.");
            }
        }
        if (r.MaxIterations is { } max && (max < 1 || max > AgentRequest.MaxMaxIterations))
        {
            return GatewayError.InvalidField("max_iterations", $"'max_iterations' must be between 1 and {AgentRequest.MaxMaxIterations}, got {max}.");
        }
        if (r.MaxTokens is <= 0) return GatewayError.InvalidField("max_tokens", "'max_tokens' must be a positive integer.");
        for (var i = 0; i < (r.McpServers?.Count ?? 0); i++)
        {
            var s = r.McpServers![i];
            var param = $"mcp_servers[{i}]";
            if (s is null) return GatewayError.InvalidField(param, $"'{param}' must be an object.");
            var given = (s.IntegrationFqn is null ? 0 : 1) + (s.Name is null ? 0 : 1) + (s.Url is null ? 0 : 1);
            if (given != 1) return GatewayError.InvalidField(param, $"'{param}' needs exactly one of integration_fqn, name or url.");
            for (var t = 0; t < (s.Tools?.Count ?? 0); t++)
            {
                if (string.IsNullOrEmpty(s.Tools![t]?.Name)) return GatewayError.MissingField($"{param}.tools[{t}].name");
            }
        }
        return null;
    }
}
