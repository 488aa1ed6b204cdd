using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>Posts to the agent API with a fresh trace id (so its spans can be read back by it).</summary>
public static class AgentCalls
{
    /// <summary>The model of the agent tests: the mock (it plays agent), streaming fast.</summary>
    public const string MockProvider = "providers: [{name: mock, type: mock, token_delay_ms: 1, models: [gpt-4o]}]";

    public static async Task<(HttpStatusCode Status, string Body, string TraceId)> PostAsync(GatewayUnderTest gateway, string json, string path = "/agent/responses", IReadOnlyDictionary<string, string>? headers = null)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(k, v);
        using var response = await gateway.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), traceId);
    }

    /// <summary>The SSE events of a body: (event name or null, data).</summary>
    public static List<(string? Event, string Data)> Events(string body)
    {
        var events = new List<(string?, string)>();
        foreach (var block in body.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            string? data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            }
            if (data is not null) events.Add((name, data));
        }
        return events;
    }

    public static JsonElement Attributes(this JsonElement span) => span.GetProperty("spanAttributes");

    public static string Name(this JsonElement span) => span.GetProperty("spanName").GetString()!;

    public static string? Attr(this JsonElement span, string key) =>
        span.Attributes().TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
}
