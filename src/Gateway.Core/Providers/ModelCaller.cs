using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Gateway.OpenAI;
using Gateway.Proxy;
using Gateway.Streaming;
using Microsoft.Extensions.Logging;

namespace Gateway.Providers;

/// <summary>
/// Sends one prepared request to one target and moves the answer into a sink (DESIGN.md, "ModelCaller"):
/// the client's response, or a buffer for a caller that is not answering a client (agent turns, blocking
/// guardrails, tests). Returns what happened as a <see cref="CallResult"/>; retries and fallback loop over it.
/// Before anything reached the sink a failure is returned, not delivered, so the plan can move on; a non-2xx
/// answer is delivered as-is on the last attempt, or when the plan would not move on for its status.
/// </summary>
internal sealed class ModelCaller(ILogger logger)
{
    private const int CaptureLimit = 8 * 1024 * 1024;

    /// <param name="listener">Told of the request before it is sent (tracing injects traceparent); a failure there is logged, never thrown.</param>
    public async Task<CallResult> CallAsync(ModelCall call, IResponseSink sink, IExchangeListener? listener, bool wantsDetails)
    {
        var (exchange, attempt, content, timeouts, isLast, canFallBack) = call;
        var upstream = attempt.Target.Upstream;
        var stream = exchange.IsStream;
        using var deadline = new AttemptDeadline(sink.Aborted, attempt.StartTimestamp, timeouts.RequestMs, timeouts.TtftMs, stream);
        var url = attempt.Target.UrlFor(exchange.Operation);
        attempt.Url = url;
        using var request = upstream.Adapter.Prepare(upstream, url, exchange.Operation, stream, content);
        if (listener is not null) OnAttemptStart(listener, exchange, attempt, request);

        HttpResponseMessage response;
        try
        {
            exchange.UpstreamSentTimestamp = Stopwatch.GetTimestamp();
            var send = upstream.SendAsync(request, deadline.Token);
            response = stream && timeouts.KeepaliveMs > 0 && !send.IsCompleted
                ? await AwaitHeadersWithKeepalivesAsync(sink, send, timeouts.KeepaliveMs, deadline.Token).ConfigureAwait(false)
                : await send.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            return new CallResult(AttemptOutcome.ClientGone, 0, 0, null, null);
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            return await FailBeforeBodyAsync(sink, AttemptOutcome.TimedOut, GatewayError.UpstreamTimeout(upstream.Name, deadline.WhichExpired, deadline.ExpiredMs), isLast).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            ProxyLog.UpstreamFailed(logger, upstream.Name, e.Message);
            return await FailBeforeBodyAsync(sink, AttemptOutcome.Unreachable, GatewayError.UpstreamUnreachable(upstream.Name, e.Message), isLast).ConfigureAwait(false);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var step = attempt.Step;
                var movesOn = step.RetryOnStatus.Contains(status) && attempt.Retry < step.Attempts - 1 || canFallBack && step.FallbackOnStatus.Contains(status);
                // Before any upstream byte reached the sink (keepalive comments at most), the plan may move on.
                if (!isLast && movesOn)
                {
                    var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
                    var message = $"The upstream answered {status}: {detail}";
                    return CallResult.Failed(AttemptOutcome.UpstreamStatus, status, new GatewayError(status, "upstream_error", "upstream_status_" + status, message));
                }
            }
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (stream && response.IsSuccessStatusCode && string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                if (!sink.HasStarted) sink.StartEventStream(response);
                var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                var translator = upstream.Adapter.TranslatorFor(exchange.Operation, stream: true);
                var pumped = await SsePump.RunAsync(body, sink.Body, exchange, deadline, timeouts.KeepaliveMs, translator).ConfigureAwait(false);
                var outcome = pumped.Outcome switch
                {
                    StreamOutcome.ClientGone => AttemptOutcome.ClientGone,
                    StreamOutcome.Interrupted or StreamOutcome.TimedOut => AttemptOutcome.Interrupted,
                    _ => AttemptOutcome.Delivered,
                };
                if (outcome == AttemptOutcome.Interrupted) ProxyLog.StreamInterrupted(logger, upstream.Name, pumped.Error ?? "");
                return new CallResult(outcome, status, pumped.BytesWritten, null, pumped.Error, ErrorEventSent: outcome == AttemptOutcome.Interrupted);
            }
            if (sink.HasStarted)
            {
                // Keepalives already committed a 200 event stream; the upstream's refusal goes out as an error event.
                var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
                var message = $"The upstream answered {status}: {detail}";
                await SsePump.WriteErrorEventAsync(sink.Body, message, "upstream_error", "upstream_status_" + status).ConfigureAwait(false);
                return new CallResult(AttemptOutcome.Interrupted, status, 0, null, message, ErrorEventSent: true);
            }
            return await CopyAsync(sink, response, exchange, attempt, deadline, wantsDetails).ConfigureAwait(false);
        }
    }

    private void OnAttemptStart(IExchangeListener listener, Exchange exchange, Attempt attempt, HttpRequestMessage request)
    {
        try
        {
            listener.OnAttemptStart(exchange, attempt, request);
        }
        catch (Exception e)
        {
            ProxyLog.ListenerFailed(logger, e);
        }
    }

    /// <summary>Copies a whole (non-stream) answer, capturing it for usage and errors when someone reads them.</summary>
    private async Task<CallResult> CopyAsync(IResponseSink sink, HttpResponseMessage response, Exchange exchange, Attempt attempt, AttemptDeadline deadline, bool wantsDetails)
    {
        var status = (int)response.StatusCode;
        var success = response.IsSuccessStatusCode;
        var contentType = response.Content.Headers.ContentType;
        var isJson = contentType?.MediaType is { } mt && mt.Contains("json", StringComparison.OrdinalIgnoreCase);
        if (!success && !isJson)
        {
            // An upstream (or a proxy in front of it) answered with HTML or text: say so in OpenAI's shape.
            var detail = await ReadErrorDetailAsync(response, deadline.Token).ConfigureAwait(false);
            var message = $"The upstream answered {status}: {detail}";
            await sink.WriteErrorAsync(new GatewayError(status, "upstream_error", "upstream_status_" + status, message)).ConfigureAwait(false);
            return new CallResult(AttemptOutcome.UpstreamStatus, status, 0, null, message);
        }
        // Error bodies too: a client gets the provider's refusal in the shape it speaks.
        var translator = attempt.Target.Upstream.Adapter.TranslatorFor(exchange.Operation, stream: false);
        if (translator is not null) return await CopyTranslatedAsync(sink, response, exchange, translator, deadline).ConfigureAwait(false);

        sink.Start(response);
        using var capture = wantsDetails || !success || attempt.Step.WantsUsage ? new PooledByteWriter(4096) : null;
        var writer = sink.Body;
        long written = 0;
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
                written += n;
                var flush = await writer.FlushAsync(deadline.Token).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted) return new CallResult(AttemptOutcome.ClientGone, status, written, null, null);
            }
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            return new CallResult(AttemptOutcome.ClientGone, status, written, null, null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            var timedOut = deadline.TimedOut;
            var message = timedOut
                ? $"The upstream did not complete in time: {deadline.WhichExpired} of {deadline.ExpiredMs} ms exceeded."
                : "The upstream connection failed mid-response: " + e.Message;
            ProxyLog.StreamInterrupted(logger, attempt.Target.Upstream.Name, message);
            if (written == 0 && !sink.HasStarted)
            {
                var error = timedOut
                    ? GatewayError.UpstreamTimeout(attempt.Target.Upstream.Name, deadline.WhichExpired, deadline.ExpiredMs)
                    : GatewayError.UpstreamUnreachable(attempt.Target.Upstream.Name, e.Message);
                await sink.WriteErrorAsync(error).ConfigureAwait(false);
            }
            else
            {
                // Part of the body is out: cut it so the reader cannot take it for a whole answer.
                await sink.AbortAsync().ConfigureAwait(false);
            }
            return new CallResult(timedOut ? AttemptOutcome.TimedOut : AttemptOutcome.Interrupted, status, written, null, message);
        }
        string? upstreamError = null;
        if (capture is not null && capture.WrittenCount < CaptureLimit)
        {
            exchange.Accumulator ??= new CompletionAccumulator(false, 0);
            exchange.Accumulator.Observe(capture.WrittenSpan);
            if (!success) upstreamError = exchange.Accumulator.ErrorMessage ?? $"upstream status {status}";
        }
        return new CallResult(success ? AttemptOutcome.Delivered : AttemptOutcome.UpstreamStatus, status, written, null, upstreamError);
    }

    /// <summary>A provider that does not speak OpenAI's format: the whole answer is read, translated, then delivered.</summary>
    private static async Task<CallResult> CopyTranslatedAsync(IResponseSink sink, HttpResponseMessage response, Exchange exchange, IResponseTranslator translator, AttemptDeadline deadline)
    {
        var status = (int)response.StatusCode;
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            return new CallResult(AttemptOutcome.ClientGone, status, 0, null, null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            var error = deadline.TimedOut
                ? GatewayError.UpstreamTimeout(exchange.Target?.Upstream.Name ?? "upstream", deadline.WhichExpired, deadline.ExpiredMs)
                : GatewayError.UpstreamUnreachable(exchange.Target?.Upstream.Name ?? "upstream", e.Message);
            await sink.WriteErrorAsync(error).ConfigureAwait(false);
            return new CallResult(deadline.TimedOut ? AttemptOutcome.TimedOut : AttemptOutcome.Interrupted, status, 0, null, error.Message);
        }
        var openAi = new ArrayBufferWriter<byte>(Math.Max(256, body.Length));
        try
        {
            translator.TranslateBody(body, openAi);
        }
        catch (JsonException e)
        {
            var error = new GatewayError(502, "upstream_error", "upstream_invalid_json", $"The upstream answered {status} with a body that is not valid JSON: {e.Message}");
            await sink.WriteErrorAsync(error).ConfigureAwait(false);
            return new CallResult(AttemptOutcome.UpstreamStatus, status, 0, null, error.Message);
        }
        exchange.Accumulator ??= new CompletionAccumulator(false, 0);
        exchange.Accumulator.Observe(openAi.WrittenSpan);
        response.Content.Headers.ContentLength = openAi.WrittenCount;
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        sink.Start(response);
        sink.Body.Write(openAi.WrittenSpan);
        var flush = await sink.Body.FlushAsync(deadline.Token).ConfigureAwait(false);
        return new CallResult(flush.IsCompleted || flush.IsCanceled ? AttemptOutcome.ClientGone : AttemptOutcome.Delivered, status, openAi.WrittenCount, null, null);
    }

    private static async Task<HttpResponseMessage> AwaitHeadersWithKeepalivesAsync(IResponseSink sink, Task<HttpResponseMessage> send, int keepaliveMs, CancellationToken ct)
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
            if (!sink.HasStarted) sink.StartEventStream(null);
            SsePump.WriteKeepalive(sink.Body);
            await sink.Body.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A failure before the upstream answered: returned for the plan to retry, fall back or write. On the last
    /// attempt with an event stream already committed by keepalives, the sink gets an SSE error event.
    /// </summary>
    private static async Task<CallResult> FailBeforeBodyAsync(IResponseSink sink, AttemptOutcome outcome, GatewayError error, bool isLast)
    {
        if (!sink.HasStarted || !isLast) return CallResult.Failed(outcome, 0, error);
        await SsePump.WriteErrorEventAsync(sink.Body, error.Message, error.Type, error.Code ?? "upstream_error").ConfigureAwait(false);
        return new CallResult(AttemptOutcome.Interrupted, 0, 0, null, error.Message, ErrorEventSent: true);
    }

    private static async Task<string> ReadErrorDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[2048];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0) total += n;
            var accumulator = new CompletionAccumulator(false, 0);
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
}
