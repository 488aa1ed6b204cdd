using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Guardrails;
using Gateway.Proxy;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Mcp;

/// <summary>
/// One pooled MCP client session to one <see cref="McpEndpoint"/>: connected and initialized on first use,
/// its tool list cached for <see cref="McpEndpoint.ToolsCacheMs"/>, re-initialized when the server drops it.
/// That work happens in the trace of the request that needs it (spans <c>MCP Server Initialization</c>,
/// <c>Connect to MCP Server</c>, <c>List Tools</c>), one request at a time; others wait for it. Reads of a
/// live session and fresh tool list take no lock.
/// </summary>
internal sealed class McpSession : IAsyncDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Live? _live;
    private long _lastUsed;

    public McpSession(McpEndpoint endpoint, HttpMessageHandler handler, TimeProvider time, ILoggerFactory? loggers)
    {
        Endpoint = endpoint;
        _handler = handler;
        _time = time;
        _loggers = loggers;
        _lastUsed = time.GetTimestamp();
    }

    public McpEndpoint Endpoint { get; }

    /// <summary>How many sessions this one has opened (1 after first use; +1 per re-initialization). For tests and logs.</summary>
    public int Initializations { get; private set; }

    /// <summary>The server's session id (Mcp-Session-Id), when it gave one.</summary>
    public string? SessionId => Volatile.Read(ref _live)?.Client.SessionId;

    internal long LastUsed => Interlocked.Read(ref _lastUsed);

    /// <summary>The tools callers may use (the server's list filtered by the allow-list), from cache while fresh.</summary>
    public async Task<IReadOnlyList<McpTool>> ListToolsAsync(Exchange? exchange, CancellationToken ct)
    {
        Touch();
        var live = Volatile.Read(ref _live);
        if (live is not null && IsFresh(live)) return live.Tools;
        return (await EnsureAsync(exchange, ct).ConfigureAwait(false)).Tools;
    }

    /// <summary>
    /// Calls a tool inside a <c>Tool Call: &lt;name&gt;</c> span. Never throws for what the server or the network
    /// did: failures are results, so an agent can hand them to the model. A tool the allow-list hides is refused
    /// without asking the server. A session the server dropped is re-initialized and the call sent once more.
    /// </summary>
    /// <param name="guardrails">
    /// The MCP tool hooks of the request's config (null: none). Pre-invoke checks the arguments before the call (a
    /// block refuses it like a hidden tool; a rewrite is what the server gets); post-invoke checks what the server
    /// answered before the caller sees it. Their Guardrail spans go under the request's span, beside this call's
    /// Tool Call span, which a block marks failed (error code <c>guardrail_violation</c> or <c>guardrail_unavailable</c>).
    /// </param>
    public async Task<McpToolResult> CallToolAsync(string name, string? callId, string arguments, Exchange? exchange, CancellationToken ct, McpToolGuardrails? guardrails = null)
    {
        Touch();
        var start = Stopwatch.GetTimestamp();
        var allowed = Endpoint.Allows(name);
        var subject = exchange?.Subject ?? Auth.Subject.Anonymous;
        var metadata = exchange?.Metadata ?? Exchange.EmptyMetadata;
        McpGuardrailResult? pre = null;
        if (guardrails is not null && allowed)
        {
            pre = await guardrails.PreInvokeAsync(Endpoint.Name, name, arguments, subject, metadata, exchange, ct).ConfigureAwait(false);
            // Rewritten (mutate): what the server gets and the span stores.
            arguments = pre.Content;
        }
        var requestSpan = Activity.Current;
        // The span stores the arguments as the PII guardrails redacted them, also when one blocked or only audited.
        using var span = McpSpans.StartToolCall(Endpoint, exchange, name, callId, pre?.SpanContent ?? arguments, Volatile.Read(ref _live)?.Tools);
        McpToolResult result;
        if (!allowed)
        {
            result = new McpToolResult($"Tool '{name}' is not allowed on MCP server '{Endpoint.Name}'.", true, false, "tool_not_allowed", 0);
        }
        else if (pre?.Error is { } refused)
        {
            result = new McpToolResult(refused.Message, true, false, refused.Code, 0);
        }
        else if (!TryParseArguments(arguments, out var args, out var argError))
        {
            result = new McpToolResult(argError!, true, false, "invalid_arguments", 0);
        }
        else
        {
            result = await CallWithRetryAsync(name, args, exchange, start, ct).ConfigureAwait(false);
        }
        McpGuardrailResult? post = null;
        if (guardrails is not null && result.Answer is not null)
        {
            // Only what the server said is checked (its errors too: they reach the model as well), not the gateway's own refusals.
            Activity.Current = requestSpan;
            try
            {
                post = await guardrails.PostInvokeAsync(Endpoint.Name, name, result.Text, subject, metadata, exchange, ct).ConfigureAwait(false);
            }
            finally
            {
                Activity.Current = span ?? requestSpan;
            }
            if (post.Error is { } blocked) result = new McpToolResult(blocked.Message, true, false, blocked.Code, result.LatencyMs);
            // A rewrite replaces the whole answer by its text: structured content or images would carry the original.
            else if (post.Mutated) result = result with { Text = post.Content, Answer = null };
        }
        McpSpans.SetGuardrails(span, pre?.Triggered, post?.Triggered);
        // A result that passed (flagged under audit, or validated) is stored as the PII guardrails redacted it.
        var spanText = post is { Blocked: false, Mutated: false } ? post.SpanContent : null;
        McpSpans.SetToolResult(span, result, exchange, spanText);
        return result;
    }

    private async Task<McpToolResult> CallWithRetryAsync(string name, Dictionary<string, JsonElement>? args, Exchange? exchange, long start, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            Live live;
            try
            {
                live = await EnsureAsync(exchange, ct, toolsNeeded: false).ConfigureAwait(false);
            }
            catch (McpConnectException e)
            {
                return new McpToolResult(e.Message, true, false, e.Code, Elapsed(start));
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(Endpoint.ToolTimeoutMs));
            try
            {
                var answer = await live.Client.CallToolAsync(new CallToolRequestParams { Name = name, Arguments = args }, timeout.Token).ConfigureAwait(false);
                var text = Text(answer);
                var isError = answer.IsError == true;
                return new McpToolResult(text, isError, isError, null, Elapsed(start)) { Answer = answer };
            }
            catch (McpProtocolException e)
            {
                // The server answered with a JSON-RPC error (unknown tool, bad params): not a dropped session.
                var code = ((int)e.ErrorCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new McpToolResult($"MCP error {code}: {e.Message}", true, false, code, Elapsed(start));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new McpToolResult($"The tool '{name}' did not answer within {Endpoint.ToolTimeoutMs} ms.", true, false, "timeout", Elapsed(start));
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt == 0)
            {
                // The transport failed (the server dropped the session: 404, a closed stream, a reset connection):
                // a new session, then the call once more.
                Drop(live);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Drop(live);
                return new McpToolResult($"The MCP server '{Endpoint.Name}' failed: {e.Message}", true, false, "unreachable", Elapsed(start));
            }
        }
    }

    private double Elapsed(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    private bool IsFresh(Live live) =>
        !live.Client.Completion.IsCompleted && _time.GetElapsedTime(live.ListedAt).TotalMilliseconds < Endpoint.ToolsCacheMs;

    /// <summary>A live session with a fresh tool list (or any list, when only the session is needed): reuses, refreshes or re-initializes.</summary>
    private async Task<Live> EnsureAsync(Exchange? exchange, CancellationToken ct, bool toolsNeeded = true)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another request may have done the work while this one waited.
            var live = Volatile.Read(ref _live);
            if (live is not null && !live.Client.Completion.IsCompleted)
            {
                if (!toolsNeeded || IsFresh(live)) return live;
                var refreshed = await RefreshAsync(live, exchange, ct).ConfigureAwait(false);
                Volatile.Write(ref _live, refreshed);
                return refreshed;
            }
            if (live is not null) Drop(live);
            var initialized = await InitializeAsync(exchange, ct).ConfigureAwait(false);
            Volatile.Write(ref _live, initialized);
            return initialized;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Live> InitializeAsync(Exchange? exchange, CancellationToken ct)
    {
        using var init = McpSpans.StartInitialization(Endpoint, exchange);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Endpoint.ConnectTimeoutMs));
        McpClient client;
        using (var connect = McpSpans.StartConnect(Endpoint, exchange))
        {
            try
            {
                client = await ConnectAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var failure = ConnectFailure(e);
                McpSpans.SetFailed(connect, failure.Code, failure.Message);
                McpSpans.SetFailed(init, failure.Code, failure.Message);
                throw failure;
            }
        }
        Initializations++;
        try
        {
            return await ListAsync(client, exchange, timeout.Token).ConfigureAwait(false);
        }
        catch (McpConnectException e)
        {
            McpSpans.SetFailed(init, e.Code, e.Message);
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Live> RefreshAsync(Live live, Exchange? exchange, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Endpoint.ConnectTimeoutMs));
        try
        {
            return await ListAsync(live.Client, exchange, timeout.Token).ConfigureAwait(false);
        }
        catch (McpConnectException)
        {
            // The session may be gone: a new one (its own Initialization span) before giving up.
            Drop(live);
            return await InitializeAsync(exchange, ct).ConfigureAwait(false);
        }
    }

    private async Task<Live> ListAsync(McpClient client, Exchange? exchange, CancellationToken ct)
    {
        using var span = McpSpans.StartListTools(Endpoint, exchange);
        var start = Stopwatch.GetTimestamp();
        try
        {
            var listed = await client.ListToolsAsync(cancellationToken: ct).ConfigureAwait(false);
            var allowed = new List<McpTool>(listed.Count);
            foreach (var tool in listed)
            {
                if (Endpoint.Allows(tool.Name)) allowed.Add(new McpTool(tool.Name, tool.Description, tool.ProtocolTool.InputSchema) { Protocol = tool.ProtocolTool });
            }
            McpSpans.SetListed(span, allowed, listed.Count, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            return new Live(client, allowed, _time.GetTimestamp());
        }
        catch (Exception e)
        {
            var failure = ConnectFailure(e);
            McpSpans.SetFailed(span, failure.Code, failure.Message);
            throw failure;
        }
    }

    private async Task<McpClient> ConnectAsync(CancellationToken ct)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = Endpoint.Url,
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = Endpoint.Name,
            ConnectionTimeout = TimeSpan.FromMilliseconds(Endpoint.ConnectTimeoutMs),
            AdditionalHeaders = new Dictionary<string, string>(Endpoint.Headers),
        };
        var http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var transport = new HttpClientTransport(options, http, _loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, ownsHttpClient: true);
        var clientOptions = new McpClientOptions { ClientInfo = new Implementation { Name = "gateway", Version = Tracing.GatewayActivitySource.Version } };
        return await McpClient.CreateAsync(transport, clientOptions, _loggers, ct).ConfigureAwait(false);
    }

    private McpConnectException ConnectFailure(Exception e) => e switch
    {
        McpConnectException c => c,
        OperationCanceledException => new McpConnectException("timeout", $"The MCP server '{Endpoint.Name}' did not answer within {Endpoint.ConnectTimeoutMs} ms.", e),
        McpProtocolException p => new McpConnectException(((int)p.ErrorCode).ToString(System.Globalization.CultureInfo.InvariantCulture), $"The MCP server '{Endpoint.Name}' refused: {p.Message}", e),
        _ => new McpConnectException("unreachable", $"Could not connect to the MCP server '{Endpoint.Name}': {e.Message}", e),
    };

    private void Drop(Live live)
    {
        Interlocked.CompareExchange(ref _live, null, live);
        _ = DisposeQuietlyAsync(live.Client);
    }

    private static async Task DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A session that already failed may fail to close as well; nothing waits for it.
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastUsed, _time.GetTimestamp());

    /// <summary>The model's argument string as the object MCP wants; empty means no arguments.</summary>
    internal static bool TryParseArguments(string arguments, out Dictionary<string, JsonElement>? args, out string? error)
    {
        args = null;
        error = null;
        if (string.IsNullOrWhiteSpace(arguments)) return true;
        try
        {
            using var doc = JsonDocument.Parse(arguments);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "The tool arguments must be a JSON object.";
                return false;
            }
            args = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject()) args[p.Name] = p.Value.Clone();
            return true;
        }
        catch (JsonException e)
        {
            error = "The tool arguments are not valid JSON: " + e.Message;
            return false;
        }
    }

    /// <summary>Text content joined by newlines; other blocks (images, resources) as their JSON.</summary>
    internal static string Text(CallToolResult result)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (text.Length > 0) text.Append('\n');
            if (block is TextContentBlock t) text.Append(t.Text);
            else text.Append(JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ContentBlock))));
        }
        if (text.Length == 0 && result.StructuredContent is { } structured) text.Append(structured.GetRawText());
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        var live = Interlocked.Exchange(ref _live, null);
        // The gate stays: a request still holding this session (evicted, or dropped by a reload) may reconnect it.
        if (live is not null) await DisposeQuietlyAsync(live.Client).ConfigureAwait(false);
    }

    private sealed record Live(McpClient Client, IReadOnlyList<McpTool> Tools, long ListedAt);
}
