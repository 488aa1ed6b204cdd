using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>
/// An MCP server of the tests' own (the official C# SDK's ASP.NET Core transport, Streamable HTTP at
/// <c>/mcp</c> on a free loopback port) with tools for the failure cases (<see cref="FaultyTools"/>): a tool
/// error, a JSON-RPC error, a slow tool, a dropped session, and the request headers echoed back. Every
/// HTTP request is recorded with its JSON-RPC method and headers.
/// </summary>
/// <remarks>
/// Sessions are stateful, so a client initializes once and sends <c>Mcp-Session-Id</c> after; a dropped
/// session answers 404 from then on, which the spec says makes the client start a new session
/// ("The server MAY terminate the session at any time, after which it MUST respond to requests containing
/// that session ID with HTTP 404 Not Found").
/// </remarks>
public sealed class FaultyMcpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _sessions = new();

    private FaultyMcpServer(WebApplication app) => _app = app;

    /// <summary>The Streamable HTTP endpoint, <c>http://127.0.0.1:PORT/mcp</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Requests as they were answered (status known), in the order their answers ended.</summary>
    public ConcurrentQueue<McpRequest> Requests { get; } = new();

    /// <summary>Requests as they arrived (status 0), before they are served: a slow call shows here while it runs.</summary>
    public ConcurrentQueue<McpRequest> Arrivals { get; } = new();

    /// <summary>HTTP requests the client (the gateway) abandoned before their answer.</summary>
    public int Aborted => _aborted;
    private int _aborted;

    /// <summary>How many sessions clients initialized (a re-initialization after a drop counts again).</summary>
    public int Initializations => Requests.Count(r => r.Method == "initialize" && r.Status == 200);

    /// <param name="tools">More tools for one test class (e.g. <c>b =&gt; b.WithTools&lt;PageTools&gt;()</c>), beside <see cref="FaultyTools"/>.</param>
    public static async Task<FaultyMcpServer> StartAsync(Action<IMcpServerBuilder>? tools = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHttpContextAccessor();
        FaultyMcpServer? server = null;
        builder.Services.AddSingleton(_ => server!);
        var mcp = builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "faulty", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful)
            .WithTools<FaultyTools>();
        tools?.Invoke(mcp);
        var app = builder.Build();
        server = new FaultyMcpServer(app);
        app.Use(server.RecordAsync);
        app.MapMcp("/mcp");
        await app.StartAsync();
        server.Url = app.Urls.First() + "/mcp";
        return server;
    }

    /// <summary>Forgets every session, as a restarted server would: their next request answers 404.</summary>
    public void DropAllSessions()
    {
        foreach (var id in _sessions.Keys) _sessions[id] = false;
    }

    /// <summary>Forgets one session (the <c>drop_session</c> tool).</summary>
    public void Drop(string sessionId) => _sessions[sessionId] = false;

    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        context.Request.EnableBuffering();
        var method = "";
        if (HttpMethods.IsPost(context.Request.Method))
        {
            try
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body);
                if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("method", out var m)) method = m.GetString() ?? "";
            }
            catch (JsonException)
            {
            }
            context.Request.Body.Position = 0;
        }
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Arrivals.Enqueue(new McpRequest(context.Request.Method, method, headers, 0));
        context.RequestAborted.Register(() => Interlocked.Increment(ref _aborted));
        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length > 0 && _sessions.TryGetValue(sessionId, out var alive) && !alive)
        {
            Requests.Enqueue(new McpRequest(context.Request.Method, method, headers, 404));
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}""");
            return;
        }
        context.Response.OnStarting(() =>
        {
            if (context.Response.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } created) _sessions.TryAdd(created, true);
            return Task.CompletedTask;
        });
        await next(context);
        Requests.Enqueue(new McpRequest(context.Request.Method, method, headers, context.Response.StatusCode));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
