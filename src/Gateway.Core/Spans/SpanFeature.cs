using System.Diagnostics;
using Gateway.Auth;
using Gateway.Config;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// The span store, its feed and its query endpoint, put together from configuration for the host.
/// </summary>
internal sealed class SpanFeature : IAsyncDisposable
{
    /// <summary>
    /// The caller in anonymous mode (no API keys configured): an admin of its own local store, so
    /// `gateway spans query` works out of the box on one machine; only from loopback unless
    /// span_store.allow_anonymous_remote (<see cref="AnonymousQueryAccess"/>). With keys, auth supplies subjects.
    /// </summary>
    public static readonly Subject AnonymousAdmin = Subject.Anonymous with { IsAdmin = true };

    private readonly ActivityListener? _listener;

    private SpanFeature(SpanStore? store, SpanStoreProcessor? processor, ActivityListener? listener, TracingProjectResolver resolver, SpanQueryHandler handler,
        SpanSummaryHandler summary, TracingProjectsHandler projects)
    {
        Summary = summary;
        Projects = projects;
        Store = store;
        Processor = processor;
        _listener = listener;
        Resolver = resolver;
        Handler = handler;
    }

    public SpanStore? Store { get; }
    /// <summary>Null when the store is off (or failed to open).</summary>
    public SpanStoreProcessor? Processor { get; }
    public TracingProjectResolver Resolver { get; }

    public SpanQueryHandler Handler { get; }
    /// <summary>The trace explorer's endpoints (issue #16), authenticated like the query API.</summary>
    public SpanSummaryHandler Summary { get; }
    public TracingProjectsHandler Projects { get; }

    /// <param name="listen">
    /// Attach the processor to a plain ActivityListener, for a store used without a gateway. The gateway
    /// passes false and adds <see cref="Processor"/> to its tracer provider (one listener, one sampler).
    /// </param>
    /// <param name="owner">
    /// Marks this gateway's span trees (see TracingListener.OwnerProperty); others are not stored. A store that
    /// listens itself also keeps trees no gateway marked (spans a tool or a test makes); a gateway's keeps only its own,
    /// so a span another gateway in the process left unmarked never lands in this one's default project.
    /// </param>
    /// <param name="retentionInterval">How often retention runs (default every minute); <see cref="TimeSpan.Zero"/> for only when asked (tests).</param>
    /// <exception cref="ConfigException">
    /// Another gateway writes to the store's file (<see cref="SpanStoreLock"/>): unlike a file that cannot open, that
    /// fails the start, since both would go on serving while one of them lost every span.
    /// </exception>
    public static SpanFeature Start(GatewayConfig config, Func<string, string?> environment, Func<HttpContext, SpanCaller> authenticate, ILogger logger, object? owner = null, bool listen = true, TimeSpan? retentionInterval = null)
    {
        var resolver = new TracingProjectResolver(config.TracingProjects);
        var applicationName = Tracing.OtlpSettings.ServiceNameFrom(environment);
        SpanStore? store = null;
        if (config.SpanStore.Enabled)
        {
            try
            {
                store = SpanStore.Open(config.SpanStore, new SpanRecordConverter(resolver, applicationName), logger, retentionInterval: retentionInterval);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Spans are telemetry: a store that cannot open must not keep the gateway from serving.
                SpanFeatureLog.OpenFailed(logger, config.SpanStore.Path, e);
            }
        }
        var processor = store is null ? null : new SpanStoreProcessor(store, owner, config.SpanStore.Sampling, keepUnowned: listen);
        var listener = listen ? processor?.Listen() : null;
        var handler = new SpanQueryHandler(store, () => resolver.Config, authenticate, PageTokenCodec.Create(config.SpanStore.PageTokenKey), logger);
        var summary = new SpanSummaryHandler(store, () => resolver.Config, authenticate, logger);
        var projects = new TracingProjectsHandler(store, () => resolver.Config, authenticate, logger);
        return new SpanFeature(store, processor, listener, resolver, handler, summary, projects);
    }

    /// <summary>The startup line that says who may query in anonymous mode (no API keys).</summary>
    public static void LogAnonymousAccess(ILogger logger, bool allowRemote)
    {
        if (allowRemote) SpanFeatureLog.AnonymousRemote(logger);
        else SpanFeatureLog.AnonymousLocalOnly(logger);
    }

    public async ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        if (Store is not null) await Store.DisposeAsync().ConfigureAwait(false);
    }
}
