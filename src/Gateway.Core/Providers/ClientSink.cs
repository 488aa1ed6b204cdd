using System.IO.Pipelines;
using Gateway.OpenAI;
using Microsoft.AspNetCore.Http;

namespace Gateway.Providers;

/// <summary>The client's response: byte pass-through of the upstream's answer (today's proxy behaviour).</summary>
internal sealed class ClientSink(Pipeline.RequestContext request) : IResponseSink
{
    private readonly HttpContext _context = request.Http;

    /// <summary>
    /// After an SSE error event the body ends without its terminating chunk, so every client sees a
    /// truncated response. Kestrel's abort drops bytes still queued for the socket, so the flushed event is
    /// given a moment to reach the kernel first. Only failed streams pay this.
    /// </summary>
    private const int TruncateDrainMs = 100;

    public bool HasStarted => _context.Response.HasStarted;

    public CancellationToken Aborted => _context.RequestAborted;

    public PipeWriter Body => _context.Response.BodyWriter;

    public void StartEventStream(HttpResponseMessage? upstream)
    {
        var client = _context.Response;
        client.StatusCode = 200;
        if (upstream is not null) CopyHeaders(upstream, client);
        client.ContentType = "text/event-stream; charset=utf-8";
        client.Headers.CacheControl = "no-cache";
        // Tells nginx-style proxies in front of the gateway not to buffer the stream.
        client.Headers["X-Accel-Buffering"] = "no";
    }

    public void Start(HttpResponseMessage upstream)
    {
        var client = _context.Response;
        client.StatusCode = (int)upstream.StatusCode;
        CopyHeaders(upstream, client);
        if (upstream.Content.Headers.ContentType is { } contentType) client.ContentType = contentType.ToString();
        if (upstream.Content.Headers.ContentLength is long length) client.ContentLength = length;
    }

    public Task WriteErrorAsync(GatewayError error)
    {
        // Headers an upstream answer had set (Start) do not belong to the gateway's error.
        if (!_context.Response.HasStarted) _context.Response.Headers.Clear();
        return ErrorWriter.WriteAsync(_context, error);
    }

    /// <summary>
    /// SDKs that read error events (OpenAI Python, Node) raise on the event; those that ignore them (OpenAI .NET) raise
    /// on the truncation. The connection is cut when the request ends, after its end hooks: a client that sees the
    /// cut and sends its next request finds the cut one's tokens and cost already settled.
    /// </summary>
    public async Task AbortAsync()
    {
        try
        {
            await _context.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
            await Task.Delay(TruncateDrainMs).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
        }
        request.AbortClientAtEnd = true;
    }

    private static void CopyHeaders(HttpResponseMessage from, HttpResponse to)
    {
        foreach (var header in from.Headers.NonValidated)
        {
            if (IsHopByHopOrOwn(header.Key)) continue;
            to.Headers[header.Key] = header.Value.Count == 1 ? header.Value.ToString() : header.Value.ToArray();
        }
    }

    private static bool IsHopByHopOrOwn(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("TE", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Trailer", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Server", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Date", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Alt-Svc", StringComparison.OrdinalIgnoreCase);
}
