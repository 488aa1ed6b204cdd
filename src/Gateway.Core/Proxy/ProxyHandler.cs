using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Gateway.OpenAI;
using Gateway.Providers;
using Gateway.Routing;
using Gateway.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy;

/// <summary>
/// The OpenAI-compatible endpoints: read the body once, read its head, resolve the model, rewrite the
/// model name in one copy, send upstream, and move the answer back (bytes untouched; streams through
/// <see cref="SsePump"/>). See DESIGN.md, "The request path".
/// </summary>
internal sealed class ProxyHandler(GatewayRuntime runtime, ILogger logger, IExchangeListener? listener = null)
{
    public const string RequestTimeoutHeader = "x-tfy-request-timeout";
    public const string TtftTimeoutHeader = "x-tfy-ttft-timeout-ms";

    public Task ChatCompletions(HttpContext context) => HandleAsync(context, Operation.Chat);
    public Task Completions(HttpContext context) => HandleAsync(context, Operation.Completion);
    public Task Embeddings(HttpContext context) => HandleAsync(context, Operation.Embedding);

    private async Task HandleAsync(HttpContext context, Operation op)
    {
        var snapshot = runtime.Current;
        var server = snapshot.Config.Server;
        var exchange = new Exchange { Operation = op, StartTimestamp = Stopwatch.GetTimestamp() };
        byte[]? body = null;
        PooledContent? content = null;
        var started = false;
        try
        {
            var (readError, buffer, length) = await ReadBodyAsync(context, server.MaxRequestBodyBytes).ConfigureAwait(false);
            body = buffer;
            if (readError is not null)
            {
                await ErrorWriter.WriteAsync(context, readError).ConfigureAwait(false);
                return;
            }
            if (!RequestHead.TryRead(body.AsSpan(0, length), out exchange.Head, out var headError))
            {
                await ErrorWriter.WriteAsync(context, headError!).ConfigureAwait(false);
                return;
            }
            if (!snapshot.Catalog.TryGet(exchange.Head.Model!, out var target))
            {
                await ErrorWriter.WriteAsync(context, GatewayError.ModelNotFound(exchange.Head.Model!)).ConfigureAwait(false);
                return;
            }
            if (!target.Supports(op))
            {
                await ErrorWriter.WriteAsync(context, GatewayError.InvalidField("model", $"The model '{target.Id}' does not support {Describe(op)} requests.")).ConfigureAwait(false);
                return;
            }
            if (!TryTimeout(context, RequestTimeoutHeader, server.RequestTimeoutMs, out var requestMs, out var timeoutError) ||
                !TryTimeout(context, TtftTimeoutHeader, server.TtftTimeoutMs, out var ttftMs, out timeoutError))
            {
                await ErrorWriter.WriteAsync(context, timeoutError!).ConfigureAwait(false);
                return;
            }

            content = Rewrite(body!, length, ref exchange.Head, target, out var bodyMoved);
            if (bodyMoved)
            {
                ArrayPool<byte>.Shared.Return(body!);
            }
            body = null;
            exchange.Target = target;
            exchange.RequestBody = content.Memory;
            if (listener is not null)
            {
                exchange.Accumulator = new Streaming.CompletionAccumulator(listener.WantsResponseDetails, 64 * 1024);
                started = true;
                Notify(l => l.OnStart(exchange));
            }
            await ForwardAsync(context, exchange, target, content, requestMs, ttftMs, server.SseKeepaliveMs).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ProxyLog.Unhandled(logger, e, context.Request.Path);
            exchange.ErrorMessage ??= "internal error";
            if (!context.Response.HasStarted)
            {
                await ErrorWriter.WriteAsync(context, new GatewayError(500, "server_error", "internal_error", "The gateway failed to process the request.")).ConfigureAwait(false);
            }
            else
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            exchange.ClientDisconnected = true;
        }
        finally
        {
            exchange.EndTimestamp = Stopwatch.GetTimestamp();
            exchange.ClientStatus = exchange.ClientDisconnected ? 499 : context.Response.StatusCode;
            if (started) Notify(l => l.OnEnd(exchange));
            exchange.RequestBody = default;
            content?.Release();
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task ForwardAsync(HttpContext context, Exchange exchange, ModelTarget target, PooledContent content, int requestMs, int ttftMs, int keepaliveMs)
    {
        var upstream = target.Upstream;
        using var deadline = new AttemptDeadline(context.RequestAborted, exchange.StartTimestamp, requestMs, ttftMs, exchange.IsStream);
        var request = new HttpRequestMessage(HttpMethod.Post, upstream.UrlFor(exchange.Operation)) { Content = content };
        if (upstream.Authorization is not null) request.Headers.Authorization = upstream.Authorization;
        foreach (var (name, value) in upstream.Config.Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (exchange.IsStream) request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");

        HttpResponseMessage response;
        try
        {
            exchange.UpstreamSentTimestamp = Stopwatch.GetTimestamp();
            var send = upstream.SendAsync(request, deadline.Token);
            response = exchange.IsStream && keepaliveMs > 0 && !send.IsCompleted
                ? await AwaitHeadersWithKeepalivesAsync(context, send, keepaliveMs, deadline.Token).ConfigureAwait(false)
                : await send.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            exchange.ClientDisconnected = true;
            return;
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            var error = GatewayError.UpstreamTimeout(upstream.Name, deadline.WhichExpired, deadline.ExpiredMs);
            await FailBeforeBodyAsync(context, exchange, error).ConfigureAwait(false);
            return;
        }
        catch (HttpRequestException e)
        {
            var error = GatewayError.UpstreamUnreachable(upstream.Name, e.Message);
            await FailBeforeBodyAsync(context, exchange, error).ConfigureAwait(false);
            return;
        }

        using (response)
        {
            exchange.UpstreamStatus = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (exchange.IsStream && response.IsSuccessStatusCode && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                if (!context.Response.HasStarted) StartEventStream(context, response);
                var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await SsePump.RunAsync(stream, context.Response.BodyWriter, exchange, deadline, keepaliveMs).ConfigureAwait(false);
                if (exchange.StreamInterrupted) ProxyLog.StreamInterrupted(logger, upstream.Name, exchange.ErrorMessage ?? "");
                return;
            }
            if (context.Response.HasStarted)
            {
                // Keepalives already committed a 200 event stream; the upstream's refusal goes out as an error event.
                var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
                exchange.ErrorMessage = $"The upstream answered {(int)response.StatusCode}: {detail}";
                await SsePump.WriteErrorEventAsync(context.Response.BodyWriter, exchange.ErrorMessage, "upstream_error", "upstream_status_" + (int)response.StatusCode).ConfigureAwait(false);
                return;
            }
            await CopyResponseAsync(context, response, exchange, deadline).ConfigureAwait(false);
        }
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response, Exchange exchange, AttemptDeadline deadline)
    {
        var client = context.Response;
        var contentType = response.Content.Headers.ContentType;
        var isJson = contentType?.MediaType is { } mt && mt.Contains("json", StringComparison.OrdinalIgnoreCase);
        if (!response.IsSuccessStatusCode && !isJson)
        {
            // An upstream (or a proxy in front of it) answered with HTML or text: say so in OpenAI's shape.
            var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            exchange.ErrorMessage = $"The upstream answered {status}: {detail}";
            await ErrorWriter.WriteAsync(context, new GatewayError(status, "upstream_error", "upstream_status_" + status, exchange.ErrorMessage)).ConfigureAwait(false);
            return;
        }
        client.StatusCode = (int)response.StatusCode;
        CopyHeaders(response, client);
        if (contentType is not null) client.ContentType = contentType.ToString();
        if (response.Content.Headers.ContentLength is long contentLength) client.ContentLength = contentLength;

        var capture = exchange.Accumulator is not null && (listener?.WantsResponseDetails ?? false) || !response.IsSuccessStatusCode
            ? new ArrayBufferWriter<byte>(4096)
            : null;
        const int CaptureLimit = 8 * 1024 * 1024;
        var writer = client.BodyWriter;
        var written = false;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            while (true)
            {
                var memory = writer.GetMemory(16 * 1024);
                var n = await stream.ReadAsync(memory, deadline.Token).ConfigureAwait(false);
                if (n == 0) break;
                if (capture is not null && capture.WrittenCount + n <= CaptureLimit) capture.Write(memory.Span[..n]);
                writer.Advance(n);
                written = true;
                var flush = await writer.FlushAsync(deadline.Token).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    exchange.ClientDisconnected = true;
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            exchange.ClientDisconnected = true;
            return;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            exchange.ErrorMessage = deadline.TimedOut
                ? $"The upstream did not complete in time: {deadline.WhichExpired} of {deadline.ExpiredMs} ms exceeded."
                : "The upstream connection failed mid-response: " + e.Message;
            ProxyLog.StreamInterrupted(logger, exchange.Target!.Upstream.Name, exchange.ErrorMessage);
            if (!written && !client.HasStarted)
            {
                client.Headers.Clear();
                var error = deadline.TimedOut
                    ? GatewayError.UpstreamTimeout(exchange.Target!.Upstream.Name, deadline.WhichExpired, deadline.ExpiredMs)
                    : GatewayError.UpstreamUnreachable(exchange.Target!.Upstream.Name, e.Message);
                await ErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
            }
            else
            {
                // Part of the body is out: cut the connection so the client cannot take it for a whole answer.
                context.Abort();
            }
            return;
        }
        if (capture is not null && capture.WrittenCount < CaptureLimit)
        {
            exchange.Accumulator ??= new Streaming.CompletionAccumulator(false, 0);
            exchange.Accumulator.Observe(capture.WrittenSpan);
            if (!response.IsSuccessStatusCode) exchange.ErrorMessage ??= exchange.Accumulator.ErrorMessage ?? $"upstream status {(int)response.StatusCode}";
        }
    }

    private static async Task<HttpResponseMessage> AwaitHeadersWithKeepalivesAsync(HttpContext context, Task<HttpResponseMessage> send, int keepaliveMs, CancellationToken ct)
    {
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            var tick = Task.Delay(keepaliveMs, stopTimer.Token);
            if (await Task.WhenAny(send, tick).ConfigureAwait(false) == send || ct.IsCancellationRequested)
            {
                stopTimer.Cancel();
                return await send.ConfigureAwait(false);
            }
            // Nothing from the upstream yet: commit the event stream so idle-timeout hops see bytes.
            if (!context.Response.HasStarted) StartEventStream(context, null);
            SsePump.WriteKeepalive(context.Response.BodyWriter);
            await context.Response.BodyWriter.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task FailBeforeBodyAsync(HttpContext context, Exchange exchange, GatewayError error)
    {
        exchange.ErrorMessage = error.Message;
        if (context.Response.HasStarted)
        {
            exchange.StreamInterrupted = true;
            await SsePump.WriteErrorEventAsync(context.Response.BodyWriter, error.Message, error.Type, error.Code ?? "upstream_error").ConfigureAwait(false);
        }
        else
        {
            await ErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
        }
    }

    private static void StartEventStream(HttpContext context, HttpResponseMessage? response)
    {
        var client = context.Response;
        client.StatusCode = 200;
        if (response is not null) CopyHeaders(response, client);
        client.ContentType = "text/event-stream; charset=utf-8";
        client.Headers.CacheControl = "no-cache";
        // Tells nginx-style proxies in front of the gateway not to buffer the stream.
        client.Headers["X-Accel-Buffering"] = "no";
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

    private static async Task<string> ReadErrorDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[2048];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0) total += n;
            var accumulator = new Streaming.CompletionAccumulator(false, 0);
            accumulator.Observe(buffer.AsSpan(0, total));
            if (accumulator.ErrorMessage is not null) return accumulator.ErrorMessage;
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim();
            return text.Length == 0 ? response.ReasonPhrase ?? "no body" : text.Length > 300 ? text[..300] : text;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            return response.ReasonPhrase ?? "no body";
        }
    }

    /// <summary>
    /// Replaces the model name in one copy (DESIGN.md decision 1); every other byte is left as the client sent it.
    /// Returns content over the original buffer when nothing changes.
    /// </summary>
    internal static PooledContent Rewrite(byte[] body, int length, ref RequestHead head, ModelTarget target, out bool bodyMoved)
    {
        var replacement = target.UpstreamModelJson;
        var start = head.ModelTokenStart;
        var oldLength = head.ModelTokenLength;
        var current = body.AsSpan(start + 1, oldLength - 2);
        if (current.SequenceEqual(replacement))
        {
            bodyMoved = false;
            return new PooledContent(body, length, pooled: true);
        }
        var newLength = length - oldLength + replacement.Length + 2;
        var copy = ArrayPool<byte>.Shared.Rent(newLength);
        body.AsSpan(0, start).CopyTo(copy);
        var at = start;
        copy[at++] = (byte)'"';
        replacement.CopyTo(copy.AsSpan(at));
        at += replacement.Length;
        copy[at++] = (byte)'"';
        body.AsSpan(start + oldLength, length - start - oldLength).CopyTo(copy.AsSpan(at));
        head.ModelTokenLength = replacement.Length + 2;
        bodyMoved = true;
        return new PooledContent(copy, newLength, pooled: true);
    }

    /// <summary>Reads the whole body into a pooled array (the caller returns it), enforcing the size limit.</summary>
    private static async ValueTask<(GatewayError? Error, byte[]? Buffer, int Length)> ReadBodyAsync(HttpContext context, long max)
    {
        var request = context.Request;
        if (request.ContentLength is long declared && declared > max) return (GatewayError.TooLarge(max), null, 0);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 256, max + 1));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > max) return (GatewayError.TooLarge(max), buffer, 0);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var n = await request.Body.ReadAsync(buffer.AsMemory(total), context.RequestAborted).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
                if (total > max) return (GatewayError.TooLarge(max), buffer, 0);
            }
        }
        catch (BadHttpRequestException e)
        {
            return (e.StatusCode == 413 ? GatewayError.TooLarge(max) : new GatewayError(e.StatusCode, "invalid_request_error", "bad_request", e.Message), buffer, 0);
        }
        return (null, buffer, total);
    }

    private static bool TryTimeout(HttpContext context, string header, int configured, out int ms, out GatewayError? error)
    {
        error = null;
        ms = configured;
        if (!context.Request.Headers.TryGetValue(header, out var values)) return true;
        if (!int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
        {
            error = GatewayError.InvalidField(header, $"The header '{header}' must be a positive number of milliseconds.");
            return false;
        }
        ms = parsed;
        return true;
    }

    private static string Describe(Operation op) => op switch
    {
        Operation.Chat => "chat completion",
        Operation.Completion => "completion",
        _ => "embedding",
    };

    private void Notify(Action<IExchangeListener> action)
    {
        try
        {
            action(listener!);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }
}
