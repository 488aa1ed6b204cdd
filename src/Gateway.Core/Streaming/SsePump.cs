using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Gateway.OpenAI;
using Gateway.Providers;
using Gateway.Proxy;

namespace Gateway.Streaming;

/// <summary>
/// Moves an upstream event stream to the client one complete event at a time, flushing as each batch
/// of events completes, and measures time to first token and inter-token latency from the same bytes
/// (DESIGN.md decision 2). After the first byte has reached the client, failures become an SSE error
/// event so client SDKs raise instead of seeing a clean end.
/// </summary>
internal static class SsePump
{
    private static ReadOnlySpan<byte> Keepalive => ": keepalive\n\n"u8;

    /// <summary>
    /// Pumps until the upstream's stream ends, the client leaves or the deadline passes. Returns what
    /// happened; on an interrupted or timed-out stream the client already got an SSE error event.
    /// With a <paramref name="translator"/>, each upstream event's data is rewritten to OpenAI events.
    /// </summary>
    public static async Task<StreamResult> RunAsync(Stream upstream, PipeWriter client, Exchange exchange, AttemptDeadline deadline, int keepaliveMs, IResponseTranslator? translator = null)
    {
        // Zero-byte reads: a stream waiting for its next token holds no 16 KB buffer (STYLE.md 8).
        var reader = PipeReader.Create(upstream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true));
        var parser = new SseEventReader();
        var accumulator = exchange.Accumulator ??= new CompletionAccumulator(captureContent: false, 0);
        var translated = translator is null ? null : new ArrayBufferWriter<byte>(1024);
        var done = false;
        var firstToken = exchange.FirstTokenTimestamp == 0;
        var ct = deadline.Token;
        string? failure = null;
        long written = 0;
        try
        {
            while (true)
            {
                ReadResult result;
                var pending = reader.ReadAsync(ct);
                if (!pending.IsCompleted && keepaliveMs > 0 && firstToken)
                {
                    result = await WaitWithKeepalivesAsync(pending, client, keepaliveMs, ct).ConfigureAwait(false);
                }
                else
                {
                    result = await pending.ConfigureAwait(false);
                }
                var buffer = result.Buffer;
                var wrote = false;
                while (parser.TryRead(buffer, result.IsCompleted, out var evt))
                {
                    if (evt.HasData && evt.IsDone)
                    {
                        done = true;
                    }
                    // [DONE] too: a translator into a format without it (Anthropic's) ends its stream there.
                    if (translated is not null && evt.HasData)
                    {
                        translated.ResetWrittenCount();
                        translator!.TranslateEvent(evt.Data.IsSingleSegment ? evt.Data.FirstSpan : evt.Data.ToArray(), translated);
                        foreach (var (data, isError) in DataOf(translated.WrittenSpan))
                        {
                            if (Observe(accumulator, new ReadOnlySequence<byte>(translated.WrittenMemory[data]), exchange, deadline, ref firstToken, isError)) failure ??= "upstream sent an error event";
                        }
                        client.Write(translated.WrittenSpan);
                        written += translated.WrittenCount;
                    }
                    else
                    {
                        if (evt.HasData && !evt.IsDone && Observe(accumulator, evt.Data, exchange, deadline, ref firstToken, evt.IsErrorEvent)) failure ??= "upstream sent an error event";
                        foreach (var segment in evt.Raw) client.Write(segment.Span);
                        written += evt.Raw.Length;
                    }
                    wrote = true;
                    buffer = buffer.Slice(evt.Raw.End);
                }
                if (wrote)
                {
                    var flush = await client.FlushAsync(ct).ConfigureAwait(false);
                    if (flush.IsCanceled || flush.IsCompleted) return new StreamResult(StreamOutcome.ClientGone, null, written);
                }
                if (result.IsCompleted)
                {
                    // Bytes with no terminating blank line: the stream was cut inside an event.
                    if (!buffer.IsEmpty && !done) return await InterruptAsync(client, "The upstream stream ended before it was complete.", written).ConfigureAwait(false);
                    break;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
            if (!done && !accumulator.AnyFinishReason)
            {
                return await InterruptAsync(client, "The upstream stream ended before it was complete.", written).ConfigureAwait(false);
            }
            return new StreamResult(StreamOutcome.Completed, failure, written);
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            return new StreamResult(StreamOutcome.ClientGone, null, written);
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            var message = $"The upstream did not complete in time: {deadline.WhichExpired} of {deadline.ExpiredMs} ms exceeded.";
            await WriteErrorEventAsync(client, message, "timeout_error", "upstream_timeout").ConfigureAwait(false);
            return new StreamResult(StreamOutcome.TimedOut, message, written);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
        {
            if (deadline.ClientAborted) return new StreamResult(StreamOutcome.ClientGone, null, written);
            return await InterruptAsync(client, "The upstream connection failed mid-stream: " + e.Message, written).ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Feeds one event's data to the accumulator and the token clock; true when it is an error event.</summary>
    private static bool Observe(CompletionAccumulator accumulator, ReadOnlySequence<byte> data, Exchange exchange, AttemptDeadline deadline, ref bool firstToken, bool errorEvent)
    {
        if (accumulator.Observe(data))
        {
            exchange.RecordToken(Stopwatch.GetTimestamp());
            if (firstToken)
            {
                firstToken = false;
                deadline.FirstToken();
            }
        }
        return errorEvent;
    }

    private static async Task<StreamResult> InterruptAsync(PipeWriter client, string message, long written)
    {
        await WriteErrorEventAsync(client, message, "upstream_error", "stream_interrupted").ConfigureAwait(false);
        return new StreamResult(StreamOutcome.Interrupted, message, written);
    }

    /// <summary>
    /// The JSON data of each event a translator wrote (<c>event: x\ndata: {...}\n\n</c>, one data line, LF only),
    /// and whether it is an error event; <c>[DONE]</c> is left out.
    /// </summary>
    private static List<(Range Data, bool IsError)> DataOf(ReadOnlySpan<byte> written)
    {
        var events = new List<(Range, bool)>(2);
        var start = 0;
        var isError = false;
        while (start < written.Length)
        {
            var nl = written[start..].IndexOf((byte)'\n');
            var end = nl < 0 ? written.Length : start + nl;
            var line = written[start..end];
            if (line.IsEmpty) isError = false;
            else if (line.SequenceEqual("event: error"u8)) isError = true;
            else if (line.StartsWith("data: {"u8))
            {
                events.Add((new Range(start + 6, end), isError || line.StartsWith("data: {\"error\""u8)));
            }
            start = end + 1;
        }
        return events;
    }

    private static async ValueTask<ReadResult> WaitWithKeepalivesAsync(ValueTask<ReadResult> pending, PipeWriter client, int keepaliveMs, CancellationToken ct)
    {
        var read = pending.AsTask();
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            var tick = Task.Delay(keepaliveMs, stopTimer.Token);
            if (await Task.WhenAny(read, tick).ConfigureAwait(false) == read)
            {
                stopTimer.Cancel();
                return await read.ConfigureAwait(false);
            }
            if (ct.IsCancellationRequested) return await read.ConfigureAwait(false);
            client.Write(Keepalive);
            await client.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <c>data: {"error":{...}}</c>, the shape OpenAI's SDKs raise on; ignores a gone client.</summary>
    public static async Task WriteErrorEventAsync(PipeWriter client, string message, string type, string code)
    {
        try
        {
            var json = ErrorWriter.Serialize(message, type, code);
            client.Write("data: "u8);
            client.Write(json);
            client.Write("\n\n"u8);
            await client.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone too; the exchange already records the failure.
        }
    }

    public static void WriteKeepalive(PipeWriter client) => client.Write(Keepalive);
}
