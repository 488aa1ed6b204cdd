using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Gateway.Config;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The gateway, started on 127.0.0.1 with a given YAML config: in process by default, or the
/// published Native AOT binary when GATEWAY_BINARY names it (the same tests run against both).
/// </summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private GatewayApp? _app;
    private Process? _process;
    private string? _configFile;
    private string? _spanStoreFile;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The OpenAI base URL clients use: <c>{BaseUrl}/v1</c>.</summary>
    public Uri OpenAIBase => new(BaseUrl, "/v1");

    public HttpClient Client { get; private set; } = null!;

    public static bool UsesBinary => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GATEWAY_BINARY"));

    /// <summary>Lines the gateway logged: stdout and stderr of the binary, or log lines (warning and up) in process.</summary>
    public List<string> Output { get; } = [];

    /// <summary>The config file the gateway reads (and watches for live reload); null when in process without <c>fromFile</c>.</summary>
    public string? ConfigFile => _configFile;

    /// <param name="time">
    /// In process, the gateway's clock for cool-downs and the shutdown drain (a fake one the test moves);
    /// ignored against the binary, whose clock is real.
    /// </param>
    /// <param name="fromFile">In process too, the config is written to a file and loaded from it, so live reload watches it.</param>
    public static async Task<GatewayUnderTest> StartAsync(string yaml, IReadOnlyDictionary<string, string>? env = null, TimeProvider? time = null, bool fromFile = false)
    {
        var gateway = new GatewayUnderTest();
        if (!yaml.Contains("span_store:", StringComparison.Ordinal))
        {
            // Each gateway its own span store: the default file in the working directory would be shared
            // by every gateway the tests run at once.
            gateway._spanStoreFile = Path.Combine(Path.GetTempPath(), $"gateway-test-spans-{Guid.NewGuid():N}.db");
            yaml += $"\nspan_store:\n  path: {gateway._spanStoreFile}\n";
        }
        var binary = Environment.GetEnvironmentVariable("GATEWAY_BINARY");
        if (string.IsNullOrEmpty(binary))
        {
            Func<string, string?> getEnv = name => env is not null && env.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(name);
            GatewayConfig config;
            if (fromFile)
            {
                gateway._configFile = Path.Combine(Path.GetTempPath(), $"gateway-test-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(gateway._configFile, yaml);
                config = ConfigLoader.LoadFile(gateway._configFile, getEnv);
            }
            else
            {
                config = ConfigLoader.Load(yaml, "test.yaml", getEnv);
            }
            gateway._app = await GatewayApp.StartAsync(config, "http://127.0.0.1:0", name => env is not null && env.TryGetValue(name, out var v) ? v : null,
                logging =>
                {
                    logging.SetMinimumLevelWarning();
                    logging.AddProvider(new ListLoggerProvider(gateway.Output));
                }, time);
            gateway.BaseUrl = new Uri(gateway._app.Urls[0]);
        }
        else
        {
            gateway._configFile = Path.Combine(Path.GetTempPath(), $"gateway-test-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(gateway._configFile, yaml);
            gateway.BaseUrl = await gateway.StartProcessAsync(binary, ["serve", "--config", gateway._configFile, "--urls", "http://127.0.0.1:0"], env);
        }
        gateway.Client = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        return gateway;
    }

    /// <summary>Starts the binary and waits for its "gateway listening on URL" line.</summary>
    private async Task<Uri> StartProcessAsync(string binary, string[] args, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ASPNETCORE_URLS");
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (Output) Output.Add(e.Data);
            const string marker = "gateway listening on ";
            if (e.Data.StartsWith(marker, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(e.Data[marker.Length..].Split(' ')[0]));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (Output) Output.Add(e.Data);
        };
        _process.Exited += (sender, _) =>
        {
            // Without a timeout, WaitForExit also waits for the redirected output to be read to the end,
            // so the message holds the last lines the process wrote (its error) and not just the first.
            ((Process)sender!).WaitForExit();
            string text;
            lock (Output) text = string.Join('\n', Output);
            listening.TrySetException(new InvalidOperationException("gateway exited: " + text));
        };
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Waits until a logged line contains <paramref name="text"/> (console logging is asynchronous).</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < until)
        {
            lock (Output)
            {
                if (Output.Any(l => l.Contains(text, StringComparison.Ordinal))) return true;
            }
            await Task.Delay(20);
        }
        return false;
    }

    /// <summary>
    /// Stops the gateway as an orchestrator does (SIGTERM for the binary) and waits until it is gone. Its
    /// shutdown flushes span export and the span store, so once this returns, whatever the gateway was going
    /// to export has arrived: a deterministic point to assert that nothing (else) came.
    /// </summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
        if (_process is { HasExited: false })
        {
            GatewayProcess.Terminate(_process);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, _process.ExitCode);
        }
    }

    /// <summary>The in-process gateway (null when running the binary).</summary>
    internal GatewayApp? App => _app;

    /// <summary>The process id of the out-of-process gateway (null in process).</summary>
    public Process? Process => _process;

    /// <summary>
    /// Stops the gateway as an orchestrator does (SIGTERM to the binary) and waits until it is gone: what it
    /// exports on the way out (the span export queue is flushed) has then reached the collector.
    /// </summary>
    public async Task ShutdownAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
        if (_process is { HasExited: false })
        {
            GatewayProcess.Terminate(_process);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
        if (_configFile is not null) File.Delete(_configFile);
        if (_spanStoreFile is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm", ".lock" }) File.Delete(_spanStoreFile + suffix);
        }
    }
}

internal static class LoggingExtensions
{
    public static void SetMinimumLevelWarning(this Microsoft.Extensions.Logging.ILoggingBuilder logging) =>
        logging.AddFilter(level => level >= Microsoft.Extensions.Logging.LogLevel.Warning);
}
