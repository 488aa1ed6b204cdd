using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Gateway.OpenAI;
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

    public static async Task RunAsync(Stream upstream, PipeWriter client, Exchange exchange, AttemptDeadline deadline, int keepaliveMs)
    {
        // Zero-byte reads: a stream waiting for its next token holds no 16 KB buffer (STYLE.md 8).
        var reader = PipeReader.Create(upstream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true));
        var parser = new SseEventReader();
        var accumulator = exchange.Accumulator ??= new CompletionAccumulator(captureContent: false, 0);
        var done = false;
        var ct = deadline.Token;
        try
        {
            while (true)
            {
                ReadResult result;
                var pending = reader.ReadAsync(ct);
                if (!pending.IsCompleted && keepaliveMs > 0 && exchange.FirstTokenTimestamp == 0)
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
                    if (evt.HasData)
                    {
                        if (evt.IsDone)
                        {
                            done = true;
                        }
                        else
                        {
                            var output = accumulator.Observe(evt.Data);
                            if (output)
                            {
                                var first = exchange.FirstTokenTimestamp == 0;
                                exchange.RecordToken(Stopwatch.GetTimestamp());
                                if (first) deadline.FirstToken();
                            }
                            if (evt.IsErrorEvent) exchange.ErrorMessage ??= "upstream sent an error event";
                        }
                    }
                    foreach (var segment in evt.Raw) client.Write(segment.Span);
                    wrote = true;
                    buffer = buffer.Slice(evt.Raw.End);
                }
                if (wrote)
                {
                    var flush = await client.FlushAsync(ct).ConfigureAwait(false);
                    if (flush.IsCanceled || flush.IsCompleted)
                    {
                        exchange.ClientDisconnected = true;
                        return;
                    }
                }
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty && !done)
                    {
                        // Bytes with no terminating blank line: the stream was cut inside an event.
                        exchange.StreamInterrupted = true;
                    }
                    break;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
            if (!done && !accumulator.AnyFinishReason)
            {
                exchange.StreamInterrupted = true;
            }
            if (exchange.StreamInterrupted)
            {
                exchange.ErrorMessage ??= "The upstream stream ended before it was complete.";
                await WriteErrorEventAsync(client, exchange.ErrorMessage, "upstream_error", "stream_interrupted").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.ClientAborted)
        {
            exchange.ClientDisconnected = true;
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            exchange.StreamInterrupted = true;
            exchange.ErrorMessage = $"The upstream did not complete in time: {deadline.WhichExpired} of {deadline.ExpiredMs} ms exceeded.";
            await WriteErrorEventAsync(client, exchange.ErrorMessage, "timeout_error", "upstream_timeout").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
        {
            if (deadline.ClientAborted)
            {
                exchange.ClientDisconnected = true;
                return;
            }
            exchange.StreamInterrupted = true;
            exchange.ErrorMessage = "The upstream connection failed mid-stream: " + e.Message;
            await WriteErrorEventAsync(client, exchange.ErrorMessage, "upstream_error", "stream_interrupted").ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
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
