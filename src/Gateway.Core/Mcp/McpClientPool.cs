using System.Collections.Concurrent;
using Gateway.Config;
using Microsoft.Extensions.Logging;

namespace Gateway.Mcp;

/// <summary>
/// The MCP client sessions of the gateway, keyed by <see cref="McpEndpoint.Key"/> (server, URL and headers): a
/// registry outside the config snapshot (DESIGN.md, "The request path: stages"), so a reload keeps the sessions
/// of servers it did not change. One connection pool (a <see cref="SocketsHttpHandler"/> under
/// <see cref="McpTraceHandler"/>) serves every session. Sessions per caller headers are bounded: past
/// <see cref="MaxSessions"/> the least recently used one is closed.
/// </summary>
internal sealed class McpClientPool : IAsyncDisposable, IDisposable
{
    public const int MaxSessions = 256;

    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);
    private readonly HttpMessageHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;

    public McpClientPool(TimeProvider? time = null, ILoggerFactory? loggers = null, HttpMessageHandler? handler = null)
    {
        _time = time ?? TimeProvider.System;
        _loggers = loggers;
        // As for upstreams (STYLE.md 12): no redirects (an MCP server must not bounce the gateway elsewhere), no cookies.
        _handler = new McpTraceHandler(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        });
    }

    public int Count => _sessions.Count;

    /// <summary>The session for <paramref name="endpoint"/>, created (not yet connected) on first use.</summary>
    public McpSession For(McpEndpoint endpoint)
    {
        var key = endpoint.Key;
        if (_sessions.TryGetValue(key, out var session)) return session;
        var created = new McpSession(endpoint, _handler, _time, _loggers);
        session = _sessions.GetOrAdd(key, created);
        if (!ReferenceEquals(session, created)) _ = created.DisposeAsync();
        else if (_sessions.Count > MaxSessions) EvictLeastRecentlyUsed(key);
        return session;
    }

    /// <summary>After a reload: closes sessions of configured servers that are gone or changed (URL, headers); URL-given ones stay.</summary>
    public void Retain(McpConfig config)
    {
        foreach (var (key, session) in _sessions)
        {
            var server = session.Endpoint.Server;
            if (server is null) continue;
            var current = config.Find(server.Name);
            var unchanged = current is { IsVirtual: false } && current.Url == server.Url && SameHeaders(current.Headers, server.Headers)
                && current.ConnectTimeoutMs == server.ConnectTimeoutMs && current.ToolTimeoutMs == server.ToolTimeoutMs && current.ToolsCacheMs == server.ToolsCacheMs
                && SameTools(current.Tools, server.Tools);
            if (!unchanged && _sessions.TryRemove(key, out var removed)) _ = removed.DisposeAsync();
        }
    }

    private static bool SameHeaders(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(h => b.TryGetValue(h.Key, out var v) && v == h.Value);

    private static bool SameTools(IReadOnlySet<string>? a, IReadOnlySet<string>? b) =>
        a is null ? b is null : b is not null && a.SetEquals(b);

    private void EvictLeastRecentlyUsed(string keep)
    {
        string? oldest = null;
        var oldestUse = long.MaxValue;
        foreach (var (key, session) in _sessions)
        {
            if (key != keep && session.LastUsed < oldestUse)
            {
                oldest = key;
                oldestUse = session.LastUsed;
            }
        }
        if (oldest is not null && _sessions.TryRemove(oldest, out var evicted)) _ = evicted.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _sessions.Keys)
        {
            if (_sessions.TryRemove(key, out var session)) await session.DisposeAsync().ConfigureAwait(false);
        }
        _handler.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
