using Gateway.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway;

/// <summary>
/// The first step of a graceful stop: readiness turns 503 while the server keeps accepting and serving
/// for <see cref="ServerOptions.ShutdownDrainDelayMs"/>; only then does the host stop Kestrel (which closes
/// the listener and gives in-flight requests <see cref="ServerOptions.ShutdownTimeoutMs"/>). Kubernetes
/// removes a terminating pod from its Services while it already has SIGTERM; closing the listener at
/// once would refuse the requests still routed to it meanwhile.
/// </summary>
internal sealed class ShutdownDrain(ServerOptions server, TimeProvider time, IHostApplicationLifetime lifetime, ILogger logger) : IHostedLifecycleService
{
    private long _stoppingAt;
    private volatile bool _stopping;

    /// <summary>Readiness is over: a stop has begun (SIGTERM, or the host told to stop).</summary>
    public bool IsStopping => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>
    /// The host's whole stop: the drain, then the server's own. HostOptions.ShutdownTimeout bounds both, so
    /// in-flight requests keep the full shutdown_timeout_ms after the drain.
    /// </summary>
    public static TimeSpan HostShutdownTimeout(ServerOptions server) =>
        TimeSpan.FromMilliseconds((double)server.ShutdownDrainDelayMs + server.ShutdownTimeoutMs);

    // Runs before any hosted service's StopAsync, so before Kestrel stops listening.
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _stoppingAt = time.GetTimestamp();
        GatewayLog.ShutdownStarted(logger, server.ShutdownDrainDelayMs, server.ShutdownTimeoutMs);
        if (server.ShutdownDrainDelayMs <= 0) return;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(server.ShutdownDrainDelayMs), time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's stop timeout ran out (or a second stop request): go on closing.
        }
    }

    // Runs after Kestrel has stopped: in-flight requests have finished or run out of time.
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        GatewayLog.ShutdownComplete(logger, (long)time.GetElapsedTime(_stoppingAt).TotalMilliseconds);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
