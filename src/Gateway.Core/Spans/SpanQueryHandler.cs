using System.Buffers;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Gateway.OpenAI;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// <c>POST /api/svc/v1/spans/query</c>: authenticate (401), validate (400), check the caller may
/// read the project (403), run one page of the query on the store's query threads (429 when they are
/// all busy, 504 past span_store.query_timeout_ms, stopped when the client leaves), answer with the
/// spans and the next page token.
/// </summary>
/// <param name="authenticate">The seam with auth: the caller's subject, null when the request carries no valid key (401), or a refusal.</param>
internal sealed class SpanQueryHandler(
    SpanStore? store,
    Func<TracingProjectsConfig> projects,
    Func<HttpContext, SpanCaller> authenticate,
    PageTokenCodec tokens,
    ILogger logger,
    TimeProvider? time = null)
{
    public const string Path = "/api/svc/v1/spans/query";
    /// <summary>A query is a few hundred bytes; 1 MB leaves room for long id lists and stops abuse.</summary>
    internal const int MaxBodyBytes = 1 << 20;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ErrorWriter.WriteAsync(context, GatewayError.MethodNotAllowed(context.Request.Method, Path)).ConfigureAwait(false);
            return;
        }
        var (subject, refusal) = authenticate(context);
        if (subject is null)
        {
            await ErrorWriter.WriteAsync(context, refusal ?? SpanQueryErrors.Unauthenticated()).ConfigureAwait(false);
            return;
        }
        if (store is null)
        {
            await ErrorWriter.WriteAsync(context, SpanQueryErrors.StoreDisabled()).ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await ErrorWriter.WriteAsync(context, GatewayError.TooLarge(MaxBodyBytes)).ConfigureAwait(false);
            return;
        }
        int status;
        byte[] response;
        try
        {
            (status, response) = await RunAsync(subject, body.Value, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; its query was stopped, and nobody is there to read an answer.
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The whole query without HTTP: status and JSON body (the CLI's tests and benchmarks call it too).</summary>
    /// <param name="cancel">The caller going away: the query stops and the task is canceled.</param>
    internal async Task<(int Status, byte[] Body)> RunAsync(Subject subject, ReadOnlyMemory<byte> body, CancellationToken cancel = default)
    {
        if (store is null) return Error(SpanQueryErrors.StoreDisabled());
        if (!SpanQueryParser.TryParse(body, out var q, out var error)) return Error(error!);
        var config = projects();
        var fqn = q!.TracingProjectFqn ?? config.Default;
        if (!TracingProjectAccess.CanRead(config, subject, fqn)) return Error(SpanQueryErrors.Forbidden(subject.ToString(), fqn));

        var fingerprint = SpanQueryFingerprint.Compute(q, fqn);
        PageCursor? cursor = null;
        if (q.PageToken is not null)
        {
            if (!tokens.TryDecode(q.PageToken, fingerprint, out var c, out var why)) return Error(SpanQueryErrors.BadPageToken(why!));
            cursor = c;
        }
        var endNs = q.EndNs ?? cursor?.EndNs ?? UnixTime.ToNanos(_time.GetUtcNow());

        var runner = store.Queries;
        if (!runner.TryRun(connection => SpanQueryExecutor.Execute(connection, q, fqn, endNs, cursor, store.Strings), cancel, out var pending))
        {
            return Error(SpanQueryErrors.Busy());
        }
        SpanQueryResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Error(SpanQueryErrors.Timeout((long)runner.Timeout.TotalMilliseconds));
        }
        catch (ObjectDisposedException)
        {
            return Error(GatewayError.ShuttingDown());
        }
        catch (SqliteException e)
        {
            SpanStoreLog.QueryFailed(logger, e);
            return Error(SpanQueryErrors.StoreFailed());
        }
        var next = result.Next is PageCursor n ? tokens.Encode(n, fingerprint) : null;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, SpanJson.WriterOptions))
        {
            SpanQueryResponseWriter.Write(w, result.Spans, next);
        }
        return (200, buffer.WrittenSpan.ToArray());
    }

    private static (int, byte[]) Error(GatewayError e) => (e.Status, ErrorWriter.Serialize(e.Message, e.Type, e.Code, e.Param));

    /// <summary>The body, or null past <see cref="MaxBodyBytes"/> (the summary endpoint reads its body the same way).</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes) return null;
        using var ms = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (ms.Length + n > MaxBodyBytes) return null;
                ms.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return ms.GetBuffer().AsMemory(0, (int)ms.Length);
    }
}
