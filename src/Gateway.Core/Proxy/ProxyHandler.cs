using System.Buffers;
using System.Diagnostics;
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
    public Task ChatCompletions(HttpContext context, Auth.Subject subject) => HandleAsync(context, Operation.Chat, subject);
    public Task Completions(HttpContext context, Auth.Subject subject) => HandleAsync(context, Operation.Completion, subject);
    public Task Embeddings(HttpContext context, Auth.Subject subject) => HandleAsync(context, Operation.Embedding, subject);

    private async Task HandleAsync(HttpContext context, Operation op, Auth.Subject subject)
    {
        var snapshot = runtime.Current;
        var server = snapshot.Config.Server;
        var exchange = new Exchange { Operation = op, StartTimestamp = Stopwatch.GetTimestamp(), Subject = subject };
        byte[]? body = null;
        // The handler's reference on the body; a send still running after the response holds its own.
        PooledBuffer? bodyBuffer = null;
        var length = 0;
        var started = false;
        try
        {
            if (!RequestContextHeaders.TryApply(context.Request.Headers, exchange, out var retryOverride, out var headerError))
            {
                await ErrorWriter.WriteAsync(context, headerError!).ConfigureAwait(false);
                return;
            }
            (var readError, body, length) = await ReadBodyAsync(context, server.MaxRequestBodyBytes).ConfigureAwait(false);
            if (body is not null) bodyBuffer = new PooledBuffer(body, ArrayPool<byte>.Shared);
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
            if (listener is not null)
            {
                // Started here, before routing and limits, so their spans nest under the request's root span.
                var tracing = snapshot.Config.Tracing;
                exchange.Accumulator = new CompletionAccumulator(listener.WantsResponseDetails && tracing.CaptureContent, tracing.MaxContentChars);
                exchange.RequestBody = body.AsMemory(0, length);
                exchange.TraceParent = context.Request.Headers.TraceParent;
                exchange.TraceState = context.Request.Headers.TraceState;
                started = true;
                Notify(listener.OnStart, exchange);
            }
            var spans = RoutingSpans.Enabled;
            var planStart = spans ? DateTimeOffset.UtcNow : default;
            if (!Router.TryPlan(snapshot.Routing, exchange, op, retryOverride, out var plan, out var routeError))
            {
                exchange.ErrorMessage = routeError!.Message;
                await ErrorWriter.WriteAsync(context, routeError).ConfigureAwait(false);
                return;
            }
            var headers = context.Request.Headers;
            if (!TimeoutHeader.TryResolve(TimeoutHeader.Request, headers[TimeoutHeader.Request], server.RequestTimeoutMs, server.AllowTimeoutIncreaseByHeader, out var requestMs, out var timeoutError) ||
                !TimeoutHeader.TryResolve(TimeoutHeader.Ttft, headers[TimeoutHeader.Ttft], server.TtftTimeoutMs, server.AllowTimeoutIncreaseByHeader, out var ttftMs, out timeoutError))
            {
                exchange.ErrorMessage = timeoutError!.Message;
                await ErrorWriter.WriteAsync(context, timeoutError).ConfigureAwait(false);
                return;
            }
            exchange.Plan = plan;
            exchange.Target = plan.Steps[0].Target;
            // After OnStart, so the span is a child of the request's root span when tracing runs.
            if (spans && plan.IsBalanced) RoutingSpans.LoadBalance(context.Request, exchange, plan, planStart, DateTimeOffset.UtcNow);
            await ExecuteAsync(context, exchange, plan, bodyBuffer!, length, new Timeouts(requestMs, ttftMs, server.SseKeepaliveMs)).ConfigureAwait(false);
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
            if (started) Notify(listener!.OnEnd, exchange);
            exchange.RequestBody = default;
            bodyBuffer?.Release();
        }
    }

    private readonly record struct Timeouts(int RequestMs, int TtftMs, int KeepaliveMs);

    /// <summary>
    /// Walks the plan: each step's target is tried up to its attempt count, then the next step, for as
    /// long as nothing has reached the client. The last failure is what the client sees.
    /// </summary>
    private async Task ExecuteAsync(HttpContext context, Exchange exchange, RoutePlan plan, PooledBuffer body, int length, Timeouts timeouts)
    {
        GatewayError? lastError = null;
        // The last step that may run: later ones are not fallback candidates.
        var lastStep = plan.Steps.Count - 1;
        while (lastStep > 0 && !plan.Steps[lastStep].FallbackCandidate) lastStep--;
        for (var s = 0; s <= lastStep; s++)
        {
            var step = plan.Steps[s];
            if (s > 0 && !step.FallbackCandidate) continue;
            var content = Rewrite(body, length, in exchange.Head, step.Target, step.Overrides);
            var fallbackSpan = s > 0 ? RoutingSpans.StartFallback(exchange, plan, step) : null;
            try
            {
                for (var retry = 0; retry < step.Attempts; retry++)
                {
                    if (retry > 0 && step.RetryDelayMs > 0)
                    {
                        await Task.Delay(step.RetryDelayMs, context.RequestAborted).ConfigureAwait(false);
                    }
                    var attempt = new Attempt { Step = step, Number = exchange.Attempts.Count, Retry = retry, StartTimestamp = Stopwatch.GetTimestamp() };
                    exchange.Attempts.Add(attempt);
                    exchange.Target = step.Target;
                    exchange.RequestBody = content.Memory;
                    var isLast = s == lastStep && retry == step.Attempts - 1;
                    var result = await AttemptAsync(context, exchange, attempt, content, timeouts, isLast, canFallBack: s < lastStep).ConfigureAwait(false);
                    attempt.EndTimestamp = Stopwatch.GetTimestamp();
                    step.Health?.Observe(exchange, attempt);
                    if (listener is not null) NotifyAttempt(listener, exchange, attempt);
                    if (result.Done)
                    {
                        if (exchange.StreamInterrupted && !exchange.ClientDisconnected)
                        {
                            await EndTruncatedAsync(context).ConfigureAwait(false);
                        }
                        return;
                    }
                    lastError = result.Error;
                    // Not done: the attempt failed before anything reached the client.
                    var status = attempt.UpstreamStatus;
                    var retryable = status == 0 || step.RetryOnStatus.Contains(status);
                    if (!retryable) break;
                }
                var canFallBack = FallsBack(exchange, step);
                if (!canFallBack) break;
            }
            finally
            {
                content.Release();
                if (fallbackSpan is not null) RoutingSpans.EndFallback(fallbackSpan, exchange.Attempts.Count > 0 ? exchange.Attempts[^1] : null);
                // The rewritten copy just went back to the pool; listeners keep reading the original until OnEnd.
                exchange.RequestBody = body.Array.AsMemory(0, length);
            }
        }
        if (lastError is not null)
        {
            exchange.ErrorMessage ??= lastError.Message;
            if (!context.Response.HasStarted)
            {
                await ErrorWriter.WriteAsync(context, lastError).ConfigureAwait(false);
            }
            else
            {
                // Only keepalive comments went out (a failure after data is never returned here): say it in the stream.
                exchange.StreamInterrupted = true;
                await SsePump.WriteErrorEventAsync(context.Response.BodyWriter, lastError.Message, lastError.Type, lastError.Code ?? "upstream_error").ConfigureAwait(false);
            }
        }

        static bool FallsBack(Exchange exchange, RouteStep step)
        {
            var last = exchange.Attempts[^1];
            return last.UpstreamStatus == 0 || step.FallbackOnStatus.Contains(last.UpstreamStatus);
        }
    }

    /// <summary>
    /// After an SSE error event: end the body without its terminating chunk, so every client sees a
    /// truncated response. SDKs that read error events (OpenAI Python, Node) raise on the event; those that
    /// ignore them (OpenAI .NET) raise on the truncation; none can take the stream for a clean end.
    /// Kestrel's abort drops bytes still queued for the socket, so the flushed event is given a moment
    /// to reach the kernel first. Only failed streams pay this.
    /// </summary>
    private static async Task EndTruncatedAsync(HttpContext context)
    {
        try
        {
            await context.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
            await Task.Delay(TruncateDrainMs).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
        }
        context.Abort();
    }

    private const int TruncateDrainMs = 100;

    /// <summary>The result of one attempt: done (the client has its answer, or is gone), or an error to fall back from.</summary>
    private readonly record struct AttemptResult(bool Done, GatewayError? Error)
    {
        public static readonly AttemptResult Finished = new(true, null);
        public static AttemptResult Failed(GatewayError error) => new(false, error);
    }

    /// <summary>
    /// One upstream try. Before anything reaches the client, a failure is returned (not written) so the
    /// caller can retry or fall back; a non-2xx upstream answer is delivered as-is only when
    /// <paramref name="isLast"/>, or when its status is not one the plan would move on for.
    /// </summary>
    private async Task<AttemptResult> AttemptAsync(HttpContext context, Exchange exchange, Attempt attempt, PooledContent content, Timeouts timeouts, bool isLast, bool canFallBack)
    {
        var upstream = attempt.Target.Upstream;
        using var deadline = new AttemptDeadline(context.RequestAborted, attempt.StartTimestamp, timeouts.RequestMs, timeouts.TtftMs, exchange.IsStream);
        attempt.Url = upstream.UrlFor(exchange.Operation);
        var request = new HttpRequestMessage(HttpMethod.Post, attempt.Url) { Content = content };
        if (upstream.Authorization is not null) request.Headers.Authorization = upstream.Authorization;
        foreach (var (name, value) in upstream.Config.Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (exchange.IsStream) request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        if (listener is not null) Notify(listener, exchange, attempt, request);

        HttpResponseMessage response;
        try
        {
            exchange.UpstreamSentTimestamp = Stopwatch.GetTimestamp();
            var send = upstream.SendAsync(request, deadline.Token);
            response = exchange.IsStream && timeouts.KeepaliveMs > 0 && !send.IsCompleted
                ? await AwaitHeadersWithKeepalivesAsync(context, send, timeouts.KeepaliveMs, deadline.Token).ConfigureAwait(false)
                : await send.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            exchange.ClientDisconnected = true;
            attempt.Outcome = AttemptOutcome.ClientGone;
            return AttemptResult.Finished;
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            attempt.Outcome = AttemptOutcome.TimedOut;
            return await FailBeforeBodyAsync(context, exchange, attempt, GatewayError.UpstreamTimeout(upstream.Name, deadline.WhichExpired, deadline.ExpiredMs), isLast).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            attempt.Outcome = AttemptOutcome.Unreachable;
            ProxyLog.UpstreamFailed(logger, upstream.Name, e.Message);
            return await FailBeforeBodyAsync(context, exchange, attempt, GatewayError.UpstreamUnreachable(upstream.Name, e.Message), isLast).ConfigureAwait(false);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            exchange.UpstreamStatus = attempt.UpstreamStatus = status;
            if (!response.IsSuccessStatusCode)
            {
                attempt.Outcome = AttemptOutcome.UpstreamStatus;
                var step = attempt.Step;
                var movesOn = step.RetryOnStatus.Contains(status) && attempt.Retry < step.Attempts - 1 || canFallBack && step.FallbackOnStatus.Contains(status);
                // Before any upstream byte reached the client (keepalive comments at most), the plan may move on.
                if (!isLast && movesOn)
                {
                    var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
                    attempt.ErrorMessage = $"The upstream answered {status}: {detail}";
                    return AttemptResult.Failed(new GatewayError(status, "upstream_error", "upstream_status_" + status, attempt.ErrorMessage));
                }
            }
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (exchange.IsStream && response.IsSuccessStatusCode && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                if (!context.Response.HasStarted) StartEventStream(context, response);
                var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                await SsePump.RunAsync(stream, context.Response.BodyWriter, exchange, deadline, timeouts.KeepaliveMs).ConfigureAwait(false);
                attempt.Outcome = exchange.ClientDisconnected ? AttemptOutcome.ClientGone : exchange.StreamInterrupted ? AttemptOutcome.Interrupted : AttemptOutcome.Delivered;
                attempt.ErrorMessage = exchange.ErrorMessage;
                if (exchange.StreamInterrupted) ProxyLog.StreamInterrupted(logger, upstream.Name, exchange.ErrorMessage ?? "");
                return AttemptResult.Finished;
            }
            if (context.Response.HasStarted)
            {
                // Keepalives already committed a 200 event stream; the upstream's refusal goes out as an error event.
                var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
                exchange.ErrorMessage = attempt.ErrorMessage = $"The upstream answered {status}: {detail}";
                exchange.StreamInterrupted = true;
                attempt.Outcome = AttemptOutcome.Interrupted;
                await SsePump.WriteErrorEventAsync(context.Response.BodyWriter, exchange.ErrorMessage, "upstream_error", "upstream_status_" + status).ConfigureAwait(false);
                return AttemptResult.Finished;
            }
            await CopyResponseAsync(context, response, exchange, attempt, deadline).ConfigureAwait(false);
            return AttemptResult.Finished;
        }
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response, Exchange exchange, Attempt attempt, AttemptDeadline deadline)
    {
        attempt.Outcome = response.IsSuccessStatusCode ? AttemptOutcome.Delivered : AttemptOutcome.UpstreamStatus;
        var client = context.Response;
        var contentType = response.Content.Headers.ContentType;
        var isJson = contentType?.MediaType is { } mt && mt.Contains("json", StringComparison.OrdinalIgnoreCase);
        if (!response.IsSuccessStatusCode && !isJson)
        {
            // An upstream (or a proxy in front of it) answered with HTML or text: say so in OpenAI's shape.
            var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            exchange.ErrorMessage = attempt.ErrorMessage = $"The upstream answered {status}: {detail}";
            await ErrorWriter.WriteAsync(context, new GatewayError(status, "upstream_error", "upstream_status_" + status, exchange.ErrorMessage)).ConfigureAwait(false);
            return;
        }
        client.StatusCode = (int)response.StatusCode;
        CopyHeaders(response, client);
        if (contentType is not null) client.ContentType = contentType.ToString();
        if (response.Content.Headers.ContentLength is long contentLength) client.ContentLength = contentLength;

        var capture = exchange.Accumulator is not null && (listener?.WantsResponseDetails ?? false) || !response.IsSuccessStatusCode || attempt.Step.WantsUsage
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
                    attempt.Outcome = AttemptOutcome.ClientGone;
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            exchange.ClientDisconnected = true;
            attempt.Outcome = AttemptOutcome.ClientGone;
            return;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            attempt.Outcome = deadline.TimedOut ? AttemptOutcome.TimedOut : AttemptOutcome.Interrupted;
            exchange.ErrorMessage = deadline.TimedOut
                ? $"The upstream did not complete in time: {deadline.WhichExpired} of {deadline.ExpiredMs} ms exceeded."
                : "The upstream connection failed mid-response: " + e.Message;
            attempt.ErrorMessage = exchange.ErrorMessage;
            ProxyLog.StreamInterrupted(logger, attempt.Target.Upstream.Name, exchange.ErrorMessage);
            if (!written && !client.HasStarted)
            {
                client.Headers.Clear();
                var error = deadline.TimedOut
                    ? GatewayError.UpstreamTimeout(attempt.Target.Upstream.Name, deadline.WhichExpired, deadline.ExpiredMs)
                    : GatewayError.UpstreamUnreachable(attempt.Target.Upstream.Name, e.Message);
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
            if (!response.IsSuccessStatusCode)
            {
                exchange.ErrorMessage ??= exchange.Accumulator.ErrorMessage ?? $"upstream status {(int)response.StatusCode}";
                attempt.ErrorMessage = exchange.ErrorMessage;
            }
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

    /// <summary>
    /// A failure before the upstream answered: the caller may retry, fall back, or write it. On the
    /// last attempt with an event stream already committed by keepalives, the client gets an SSE error event.
    /// </summary>
    private static async Task<AttemptResult> FailBeforeBodyAsync(HttpContext context, Exchange exchange, Attempt attempt, GatewayError error, bool isLast)
    {
        attempt.ErrorMessage = error.Message;
        if (!context.Response.HasStarted || !isLast) return AttemptResult.Failed(error);
        exchange.ErrorMessage = error.Message;
        exchange.StreamInterrupted = true;
        attempt.Outcome = AttemptOutcome.Interrupted;
        await SsePump.WriteErrorEventAsync(context.Response.BodyWriter, error.Message, error.Type, error.Code ?? "upstream_error").ConfigureAwait(false);
        return AttemptResult.Finished;
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
    internal static PooledContent Rewrite(PooledBuffer body, int length, in RequestHead head, ModelTarget target) =>
        BodyRewriter.Rewrite(body, length, in head, target, null);

    /// <summary>Replaces the model name and applies a target's override_params in the same single copy.</summary>
    internal static PooledContent Rewrite(PooledBuffer body, int length, in RequestHead head, ModelTarget target, OverrideParams? overrides) =>
        BodyRewriter.Rewrite(body, length, in head, target, overrides);

    /// <summary>Reads the whole body into a pooled array (the caller returns it), enforcing the size limit.</summary>
    private static async ValueTask<(GatewayError? Error, byte[]? Buffer, int Length)> ReadBodyAsync(HttpContext context, long max)
    {
        var request = context.Request;
        if (request.ContentLength is long declared && declared > max)
        {
            await DrainAsync(context, declared).ConfigureAwait(false);
            return (GatewayError.TooLarge(max), null, 0);
        }
        try
        {
            var body = await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, max, ArrayPool<byte>.Shared, context.RequestAborted).ConfigureAwait(false);
            if (!body.TooLarge) return (null, body.Buffer, body.Length);
        }
        catch (BadHttpRequestException e)
        {
            return (e.StatusCode == 413 ? GatewayError.TooLarge(max) : new GatewayError(e.StatusCode, "invalid_request_error", "bad_request", e.Message), null, 0);
        }
        await DrainAsync(context, null).ConfigureAwait(false);
        return (GatewayError.TooLarge(max), null, 0);
    }

    /// <summary>
    /// How much of a rejected body is read and dropped so the client, still sending, is there to read the
    /// 413 instead of hitting a broken pipe. Past this (or <see cref="DrainTimeout"/>), the connection is closed.
    /// </summary>
    public const long DrainLimitBytes = 8 * 1024 * 1024;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private static async Task DrainAsync(HttpContext context, long? declared)
    {
        context.Response.Headers.Connection = "close";
        // A body too big to drain is refused outright: the connection closes after the 413.
        if (declared is long d && d > DrainLimitBytes) return;
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            cts.CancelAfter(DrainTimeout);
            long drained = 0;
            int n;
            while (drained < DrainLimitBytes && (n = await context.Request.Body.ReadAsync(scratch, cts.Token).ConfigureAwait(false)) > 0) drained += n;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private void Notify(Action<Exchange> action, Exchange exchange)
    {
        try
        {
            action(exchange);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }

    private void Notify(IExchangeListener l, Exchange exchange, Attempt attempt, HttpRequestMessage request)
    {
        try
        {
            l.OnAttemptStart(exchange, attempt, request);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }

    private void NotifyAttempt(IExchangeListener l, Exchange exchange, Attempt attempt)
    {
        try
        {
            l.OnAttemptEnd(exchange, attempt);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }
}
