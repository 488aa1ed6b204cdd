using System.Buffers;
using Gateway.OpenAI;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy;

/// <summary>Takes in a request body once, within the configured limit; a rejected one is drained so the client reads its 413.</summary>
internal static class RequestIntake
{
    /// <summary>Reads the whole body into a pooled array (the caller returns it), enforcing the size limit.</summary>
    public static async ValueTask<(GatewayError? Error, byte[]? Buffer, int Length)> ReadAsync(HttpContext context, long max)
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
}
