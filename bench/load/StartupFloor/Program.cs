// One fixed chat completion for any request, from the server the build's variant names (StartupFloor.csproj).
// Usage: StartupFloor --urls http://127.0.0.1:PORT
using Microsoft.AspNetCore.Http;
#if OTEL
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
#endif

var url = args.Length == 2 && args[0] == "--urls" ? args[1] : throw new ArgumentException("usage: StartupFloor --urls http://127.0.0.1:PORT");
#if HOST
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(url);
var app = builder.Build();
app.Run(Answer.WriteAsync);
await app.StartAsync();
Console.WriteLine("gateway listening on " + url);
await app.WaitForShutdownAsync();
#else
#if OTEL
using var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter("floor").AddPrometheusExporter().Build();
using var tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource("floor").AddOtlpExporter().Build();
#endif
var options = new Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions { ApplicationServices = Answer.NoServices };
var logs = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
var server = new Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServer(Microsoft.Extensions.Options.Options.Create(options),
    new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportFactory(Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions()), logs),
    logs);
server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Add(url);
await server.StartAsync(new Answer(), CancellationToken.None);
Console.WriteLine("gateway listening on " + url);
await Task.Delay(Timeout.Infinite);
#endif

internal sealed class Answer : Microsoft.AspNetCore.Hosting.Server.IHttpApplication<HttpContext>
{
    private static readonly byte[] Body =
        """{"id":"chatcmpl-floor","object":"chat.completion","created":0,"model":"echo","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"""u8.ToArray();

    /// <summary>Kestrel asks its options for services (none needed here); an empty provider answers null to each.</summary>
    public static IServiceProvider NoServices { get; } = new EmptyServices();

    public static Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Body.Length;
        return context.Response.Body.WriteAsync(Body).AsTask();
    }

    public HttpContext CreateContext(Microsoft.AspNetCore.Http.Features.IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context) => WriteAsync(context);

    public void DisposeContext(HttpContext context, Exception? exception)
    {
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
