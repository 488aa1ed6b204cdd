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
/// <c>POST /api/svc/v1/spans/summary</c>: the trace explorer's summary strip (issue #16). Takes the
/// query API's body (the same validation, project access and filters), summarises the matching root
/// spans (request count, errors, latency and TTFT p50/p95, tokens, cost) overall and in
/// <see cref="SpanSummary.Buckets"/> time buckets. Paging fields are accepted and ignored.
/// </summary>
internal sealed class SpanSummaryHandler(
    SpanStore? store,
    Func<TracingProjectsConfig> projects,
    Func<HttpContext, SpanCaller> authenticate,
    ILogger logger,
    TimeProvider? time = null)
{
    public const string Path = "/api/svc/v1/spans/summary";
    /// <summary>A summary that takes longer is stopped: the window is too wide for this store.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(10);

    private readonly SpanSummaryExecutor? _executor = store is null ? null : new SpanSummaryExecutor(store);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task HandleAsync(HttpContext context)
    {
        if (await SpanApiGate.AdmitAsync(context, HttpMethods.Post, Path, authenticate, storeOpen: _executor is not null).ConfigureAwait(false) is not { } subject) return;
        var body = await SpanQueryHandler.ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await ErrorWriter.WriteAsync(context, GatewayError.TooLarge(SpanQueryHandler.MaxBodyBytes)).ConfigureAwait(false);
            return;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        limit.CancelAfter(TimeLimit);
        // Off Kestrel's threads: SQLite is synchronous.
        var (status, response) = await Task.Run(() => Run(subject, body.Value, limit.Token), limit.Token).ConfigureAwait(false);
        await SpanApiGate.WriteJsonAsync(context, status, response).ConfigureAwait(false);
    }

    /// <summary>The summary without HTTP: status and JSON body.</summary>
    internal (int Status, byte[] Body) Run(Subject subject, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (_executor is null) return Error(SpanQueryErrors.StoreDisabled());
        if (!SpanQueryParser.TryParse(body, out var q, out var error)) return Error(error!);
        var config = projects();
        var fqn = q!.TracingProjectFqn ?? config.Default;
        if (!TracingProjectAccess.CanRead(config, subject, fqn)) return Error(SpanQueryErrors.Forbidden(subject.ToString(), fqn));
        var endNs = q.EndNs ?? UnixTime.ToNanos(_time.GetUtcNow());
        SpanSummary summary;
        try
        {
            summary = _executor.Execute(q, fqn, endNs, cancellationToken);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT)
        {
            return Error(new GatewayError(503, "server_error", "query_timeout",
                $"The summary took longer than {TimeLimit.TotalSeconds:0} s (or the client left); narrow the time window or add filters."));
        }
        catch (SqliteException e)
        {
            SpanStoreLog.QueryFailed(logger, e);
            return Error(SpanQueryErrors.StoreFailed());
        }
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, SpanJson.WriterOptions))
        {
            summary.Write(w);
        }
        return (200, buffer.WrittenSpan.ToArray());
    }

    private static (int, byte[]) Error(GatewayError e) => (e.Status, ErrorWriter.Serialize(e.Message, e.Type, e.Code, e.Param));
}
