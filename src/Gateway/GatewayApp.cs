using Gateway.Config;
using Gateway.Guardrails;
using Gateway.Limits;
using Gateway.Metrics;
using Gateway.OpenAI;
using Gateway.Pipeline;
using Gateway.Proxy;
using Gateway.Tracing;
using Gateway.Spans;
using Gateway.Ui;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway;

/// <summary>A running gateway: Kestrel through the slim builder, one dispatch delegate, no MVC or routing tables.</summary>
internal sealed class GatewayApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GatewayRuntime _runtime;
    private readonly GatewayTelemetry _telemetry;
    private readonly SpanFeature _spans;
    private readonly ShutdownDrain _drain;
    private readonly GatewayMetrics _metrics;
    private ConfigReloader? _reloader;
    private LimitsUsageHandler? _limitsUsage;
    private McpGateway.McpGatewayHandler? _mcpGateway;

    private GatewayApp(WebApplication app, GatewayRuntime runtime, GatewayTelemetry telemetry, SpanFeature spans, ShutdownDrain drain, GatewayMetrics metrics, object owner)
    {
        _app = app;
        Owner = owner;
        _runtime = runtime;
        _telemetry = telemetry;
        _spans = spans;
        _drain = drain;
        _metrics = metrics;
    }

    /// <summary>OpenTelemetry export (ENABLE_OTEL_TRACING and friends) and the exchange listener; the providers are the host's.</summary>
    internal GatewayTelemetry Telemetry => _telemetry;

    /// <summary>The span store and its query endpoint (issue #4).</summary>
    internal SpanFeature Spans => _spans;

    /// <summary>Marks this gateway's span trees (TracingListener.OwnerProperty): its exporter and store keep only those.</summary>
    internal object Owner { get; }

    /// <summary>The live config and the registries that outlive it.</summary>
    internal GatewayRuntime Runtime => _runtime;

    /// <summary>Watches the config file; null when the config did not come from a file.</summary>
    internal ConfigReloader? Reloader => _reloader;

    /// <summary>The addresses Kestrel bound (port 0 resolved).</summary>
    public IReadOnlyList<string> Urls => [.. _app.Urls];

    /// <param name="environment">Reads environment variables (tests pass their own instead of the process's).</param>
    /// <param name="time">The clock of cool-downs and the shutdown drain (tests pass a fake one).</param>
    /// <param name="featureStages">Extra request stages per snapshot (tests; the features of later issues register theirs here).</param>
    public static async Task<GatewayApp> StartAsync(GatewayConfig config, string urls, Func<string, string?>? environment = null, Action<ILoggingBuilder>? logging = null, TimeProvider? time = null,
        IReadOnlyList<Func<GatewayRuntime.Snapshot, IRequestStage?>>? featureStages = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        time ??= TimeProvider.System;
        // First: an OTEL_* variable that does not parse fails the start (ConfigException) before anything is built.
        var otlp = OtlpSettings.FromEnvironment(environment);
        // No reload-on-change for appsettings.json (the gateway reads its own YAML): with it, the host puts an
        // inotify watch on every directory under the working directory at startup. Started from / that took
        // ~1 s and 30 MB (bench/load/RESULTS.md, 2026-11-22 notes).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The read stage enforces the live config's limit itself (413 in OpenAI's shape) and sets Kestrel's cap
            // per request just above it, so a rejected body can be drained and the client reads the 413
            // (RequestIntake.DrainAsync). This default only covers the other endpoints.
            k.Limits.MaxRequestBodySize = 1024 * 1024;
        });
        // With inline socket completions (the binary's default, InlineCompletions.cs; System.Net.Sockets honours the
        // variable for the upstream connections) Kestrel also runs request code on the socket thread, as the
        // TechEmpower ASP.NET Core entries do. In process (tests, embedding) it follows the host's environment.
        if (environment(InlineCompletions.Variable) == "1")
        {
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownDrain.HostShutdownTimeout(config.Server));
        builder.Services.AddSingleton(sp => new ShutdownDrain(config.Server, time, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway")));
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ShutdownDrain>());
        builder.Logging.ClearProviders();
        // Made by the container (not AddProvider's instance) so that it disposes it, flushing the queued lines, after the server stops.
        builder.Services.AddSingleton<ILoggerProvider>(_ => new ConsoleLineLoggerProvider(Console.Out));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Off entirely: while this category logs at any level, hosting starts an Activity (and a log
        // scope) for every request that nothing exports; it logs nothing the gateway's own log lacks.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var runtime = new GatewayRuntime(config, time);
        // The ActivitySource and the meter name are process-wide: this object marks the span trees and the meters
        // of this gateway, so its exporter, its store and its metrics keep only their own (several gateways share a
        // process in tests).
        var owner = new object();
        var metrics = new GatewayMetrics(runtime, owner);
        // Host services, disposed by the host after the server in reverse order of creation: the providers
        // (built later, at start) flush into the exporter and the store before the store writes its last batch.
        builder.Services.AddSingleton(sp => SpanFeature.Start(config, environment,
            // The query API authenticates like /v1: API keys; with none configured the caller is the anonymous
            // admin of its local store, from this machine only unless span_store.allow_anonymous_remote.
            ctx => AnonymousQueryAccess.Resolve(runtime.Current.Keys, ctx, runtime.Current.Config.SpanStore.AllowAnonymousRemote),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway"), owner, listen: false));
        builder.Services.AddSingleton(sp =>
        {
            var spans = sp.GetRequiredService<SpanFeature>();
            Func<Exchange, string> project = config.TracingProjects.IsConfigured
                ? exchange => spans.Resolver.Resolve(exchange.Subject, exchange.Head.Model, exchange.Metadata)
                : _ => config.Tracing.DefaultProjectFqn;
            var tracingLogger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Tracing");
            return new GatewayTelemetry(otlp, new TracingListener(runtime, metrics.GenAi, owner, project, tracingLogger), spans.Processor,
                config.SpanStore.Sampling == SpanStoreSampling.All, owner, tracingLogger);
        });
        var otel = builder.Services.AddOpenTelemetry().WithMetrics(GatewayMetrics.AddScrapeExporter);
        GatewayTelemetry.Register(otel, otlp, tracing: otlp.TracesEnabled || config.SpanStore.Enabled, owner);

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway");
        SpanFeature spans;
        try
        {
            spans = app.Services.GetRequiredService<SpanFeature>();
        }
        catch (ConfigException)
        {
            // The span store's file is another gateway's (SpanStoreLock): exit code 1 with its line (Cli), after the log is flushed.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var telemetry = app.Services.GetRequiredService<GatewayTelemetry>();
        metrics.ObserveQueues(spans.Store, telemetry.Processor);
        var gateway = new GatewayApp(app, runtime, telemetry, spans, app.Services.GetRequiredService<ShutdownDrain>(), metrics, owner);
        // Authenticated like the span query API (issue #12 item 8).
        gateway._limitsUsage = new LimitsUsageHandler(runtime, ctx => AnonymousQueryAccess.Resolve(runtime.Current.Keys, ctx, runtime.Current.Config.SpanStore.AllowAnonymousRemote));
        if (config.SourceIsFile)
        {
            gateway._reloader = new ConfigReloader(config.Source, runtime, environment, logger);
            gateway._reloader.Start();
        }
        // Limits first (after authenticate, read and trace; before routing), then input guardrails, then what the caller added.
        // Alert webhooks: no redirects or cookies, like the upstream handlers; posted off the request path.
        var budgetStage = new BudgetStage(new BudgetAlerts(logger, new HttpMessageInvoker(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })), logger);
        var rateLimitStage = new RateLimitStage(logger);
        runtime.Budgets.Attach(budgetStage.Alerts, logger);
        Func<GatewayRuntime.Snapshot, IRequestStage?>[] stages =
        [
            s => s.RateLimits.IsEmpty ? null : rateLimitStage,
            s => s.Budgets.IsEmpty ? null : budgetStage,
            s => runtime.Guardrails.EngineFor(s.Config) is { } guardrails ? new GuardrailStage(guardrails) : null,
            .. featureStages ?? [],
        ];
        var proxy = new RequestPath(runtime, logger, new MetricsListener(metrics, telemetry.Listener), stages);
        gateway._mcpGateway = new McpGateway.McpGatewayHandler(runtime, telemetry.Listener as TracingListener);
        GatewayMetrics.MapScrapeEndpoint(app);
        app.Run(context => gateway.Dispatch(context, proxy));
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            // An address that is taken, not allowed or not a URL: a line that says so and exit code 1 (Cli), not an
            // unhandled exception; the span store and the other services close as at shutdown.
            await gateway.DisposeAsync().ConfigureAwait(false);
            // Kestrel's own message names the address and the cause ("Failed to bind to address ...: address already in use.").
            throw new ConfigException([$"cannot listen on '{urls}': {e.Message}"]);
        }

        var models = runtime.Current.Catalog.All.Count();
        GatewayLog.Started(logger, Cli.Version, string.Join(", ", app.Urls), config.Source, runtime.Current.Version, models);
        if (runtime.Current.Keys.IsEmpty) GatewayLog.Anonymous(logger);
        else GatewayLog.KeysRequired(logger, runtime.Current.Keys.Count);
        if (runtime.Current.Keys.IsEmpty && spans.Store is not null) SpanFeature.LogAnonymousAccess(logger, config.SpanStore.AllowAnonymousRemote);
        if (config.VirtualModels.Count + config.Routing.Rules.Count > 0) GatewayLog.Routing(logger, config.VirtualModels.Count, config.Routing.Rules.Count);
        // A plain line on stdout that scripts and tests can wait for.
        Console.Out.WriteLine("gateway listening on " + string.Join(" ", app.Urls));
        Console.Out.Flush();
        return gateway;
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => _app.StopAsync();

    private Task Dispatch(HttpContext context, RequestPath proxy)
    {
        var path = context.Request.Path.Value ?? "";
        var method = context.Request.Method;
        // Clients configured with base URL ".../v1" and without the suffix both work.
        var route = path.StartsWith("/v1/", StringComparison.Ordinal) ? path.AsSpan(3) : path.AsSpan();
        // The OpenAI endpoints authenticate in their first stage (Pipeline/RequestPath.cs).
        if (HttpMethods.IsPost(method))
        {
            switch (route)
            {
                case "/chat/completions": return proxy.ChatCompletions(context);
                case "/completions": return proxy.Completions(context);
                case "/embeddings": return proxy.Embeddings(context);
                case "/messages": return proxy.Messages(context);
                case "/messages/count_tokens": return proxy.CountTokens(context);
                case "/responses": return proxy.Responses(context);
                case "/rerank": return proxy.Rerank(context);
                // The agent API (docs/agents-and-mcp.md), also at the reference's older path.
                case "/agent/responses" or "/api/llm/agent/responses": return proxy.AgentResponses(context);
            }
        }
        var subject = Auth.Subject.Anonymous;
        // Probes, metrics and the explorer's static files stay open (the explorer sends the caller's key
        // with each query); everything else needs a key once any is configured.
        if (route is not ("/healthz" or "/readyz" or GatewayMetrics.ScrapePath) && !UiHandler.Serves(path) && !_runtime.Current.Keys.TryAuthenticate(context.Request.Headers.Authorization, out subject, out var authError))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ErrorWriter.WriteAsync(context, authError!);
        }
        if (McpGateway.McpGatewayHandler.Serves(path)) return _mcpGateway!.HandleAsync(context, subject);
        if (route.StartsWith("/models/", StringComparison.Ordinal))
        {
            return HttpMethods.IsGet(method) ? Model(context, route["/models/".Length..].ToString()) : NotAllowed(context, method, path);
        }
        switch (route)
        {
            case "/chat/completions" or "/completions" or "/embeddings" or "/messages" or "/messages/count_tokens" or "/responses" or "/rerank" or "/agent/responses" or "/api/llm/agent/responses":
                return NotAllowed(context, method, path);
            case "/models":
                return HttpMethods.IsGet(method) ? Json(context, _runtime.Current.Catalog.ModelsJson) : NotAllowed(context, method, path);
            case "/healthz":
                return Text(context, 200, "ok\n");
            case SpanQueryHandler.Path:
                return _spans.Handler.HandleAsync(context);
            case SpanSummaryHandler.Path:
                return _spans.Summary.HandleAsync(context);
            case TracingProjectsHandler.Path:
                return _spans.Projects.HandleAsync(context);
            case LimitsUsageHandler.Path:
                return _limitsUsage!.HandleAsync(context);
            case GatewayMetrics.ScrapePath:
                // GET and HEAD of /metrics were answered by the scrape endpoint ahead of this dispatch.
                return path == GatewayMetrics.ScrapePath ? NotAllowed(context, method, path) : ErrorWriter.WriteAsync(context, GatewayError.NotFound(path));
            case "/readyz":
                var version = "config_version=" + _runtime.Current.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n";
                return _drain.IsStopping ? Text(context, 503, "stopping " + version) : Text(context, 200, "ready " + version);
            default:
                return UiHandler.Serves(path) ? UiHandler.HandleAsync(context) : ErrorWriter.WriteAsync(context, GatewayError.NotFound(path));
        }
    }

    private static Task NotAllowed(HttpContext context, string method, string path)
    {
        context.Response.Headers.Allow = path.EndsWith("models", StringComparison.Ordinal) || path.Contains("/models/", StringComparison.Ordinal) || path == GatewayMetrics.ScrapePath ? "GET" : "POST";
        return ErrorWriter.WriteAsync(context, GatewayError.MethodNotAllowed(method, path));
    }

    /// <summary>
    /// <c>GET /v1/models/{id}</c> (the SDKs' models.retrieve). Ids hold a '/' (openai-main/gpt-4o), which SDKs
    /// send escaped as %2F; Kestrel leaves %2F escaped in the path, so it is unescaped here.
    /// </summary>
    private Task Model(HttpContext context, string escapedId)
    {
        var id = Uri.UnescapeDataString(escapedId);
        return _runtime.Current.Catalog.ModelJson(id) is { } json ? Json(context, json) : ErrorWriter.WriteAsync(context, GatewayError.ModelNotFound(id));
    }

    private static Task Json(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    private static Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text);
    }

    public async ValueTask DisposeAsync()
    {
        _reloader?.Dispose();
        // The server stops first, so requests still in flight end their spans; then the host disposes its
        // services: the tracer and meter providers flush (5 s at most each), then the span store writes its last batch.
        await _app.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
        _runtime.Dispose();
    }
}
