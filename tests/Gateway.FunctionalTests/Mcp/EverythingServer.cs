using System.Diagnostics;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// The reference MCP server, <c>@modelcontextprotocol/server-everything</c> (pinned in tests/mcp/package.json,
/// installed by <c>npm ci</c> there, as scripts/test.sh does), on a free loopback port with its streamableHttp
/// transport; stopped by PID. Starting throws with the reason (no node, no npm ci, the server's own output),
/// so a test that needs it fails instead of passing without it.
/// </summary>
public sealed class EverythingServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output;

    private EverythingServer(Process process, List<string> output, string url)
    {
        _process = process;
        _output = output;
        Url = url;
    }

    /// <summary>The Streamable HTTP endpoint, <c>http://127.0.0.1:PORT/mcp</c>.</summary>
    public string Url { get; }

    public static async Task<EverythingServer> StartAsync()
    {
        var folder = RepoFiles.PathOf("tests/mcp");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@modelcontextprotocol", "server-everything")))
        {
            throw new InvalidOperationException($"server-everything is not installed: run `npm ci` in {folder} (scripts/test.sh does)");
        }
        var output = new List<string>();
        var process = NodeScripts.Start(folder, "everything.mjs", ["0"], output);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "everything listening on ";
            if (e.Data?.StartsWith(marker, StringComparison.Ordinal) == true) listening.TrySetResult(e.Data[marker.Length..].Trim());
        };
        process.Exited += (_, _) =>
        {
            process.WaitForExit();
            lock (output) listening.TrySetException(new InvalidOperationException("server-everything exited: " + string.Join('\n', output)));
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new EverythingServer(process, output, await listening.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch (TimeoutException)
        {
            process.Kill();
            lock (output) throw new InvalidOperationException("server-everything did not listen within 30 s: " + string.Join('\n', output));
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
