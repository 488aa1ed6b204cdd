using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The official MCP TypeScript SDK client (<c>@modelcontextprotocol/sdk</c>, tests/mcp/client.mjs): connects
/// (initialize), runs the steps (tools/list, tools/call) and reports each result or error as JSON.
/// </summary>
public static class SdkClient
{
    public static JsonObject List() => new() { ["op"] = "list" };

    public static JsonObject Call(string name, JsonObject? arguments = null) => new() { ["op"] = "call", ["name"] = name, ["arguments"] = arguments ?? [] };

    /// <returns>
    /// <c>{"server": serverInfo, "steps": [{"result": ...} | {"error": {"message","code","data"}}]}</c>, or
    /// <c>{"connectError": {"message","code"}}</c> when the connection or initialize failed.
    /// </returns>
    public static async Task<JsonElement> RunAsync(string url, IReadOnlyDictionary<string, string>? headers, params JsonObject[] steps)
    {
        var folder = RepoFiles.PathOf("tests/mcp");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@modelcontextprotocol", "sdk")))
        {
            throw new InvalidOperationException($"@modelcontextprotocol/sdk is not installed: run `npm ci` in {folder} (scripts/test.sh does)");
        }
        var plan = new JsonObject
        {
            ["url"] = url,
            ["headers"] = new JsonObject(headers?.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value)) ?? []),
            ["steps"] = new JsonArray([.. steps.Select(s => s.DeepClone())]),
        };
        var output = new List<string>();
        using var process = NodeScripts.Start(folder, "client.mjs", [plan.ToJsonString()], output);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            lock (output) throw new InvalidOperationException("the MCP SDK client did not finish within 60 s: " + string.Join('\n', output));
        }
        process.WaitForExit();
        string? line;
        lock (output) line = output.LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || line is null)
        {
            lock (output) throw new InvalidOperationException($"the MCP SDK client failed (exit {process.ExitCode}): " + string.Join('\n', output));
        }
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}
