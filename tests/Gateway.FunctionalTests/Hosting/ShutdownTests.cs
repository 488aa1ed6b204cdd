using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>The gateway as a real process: default config, listen address rules, SIGTERM.</summary>
public sealed class ShutdownTests
{
    private static Task<(Process Process, Uri Url, List<string> Output)> StartAsync(ProcessStartInfo psi) => GatewayProcess.StartAsync(psi);

    [Fact]
    public async Task EmbeddedDefault_ServesMockModels_WithNoConfigFile()
    {
        var (process, url, output) = await StartAsync(GatewayProcess.StartInfo("--urls", "http://127.0.0.1:0"));
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            var models = await client.GetStringAsync("/v1/models");
            Assert.Contains("mock/gpt-4o", models);
            using var chat = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"mock/gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            Assert.Contains("embedded default", string.Join('\n', output));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task ListenAddress_ComesFromAspNetCoreUrls_WhenNoFlag()
    {
        var psi = GatewayProcess.StartInfo();
        psi.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        var (process, url, _) = await StartAsync(psi);
        try
        {
            Assert.Equal("127.0.0.1", url.Host);
            Assert.NotEqual(8080, url.Port);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Startup (issue #11): with no API keys nothing on the way to the first answer needs OpenSSL, whose loading
    /// (libssl, libcrypto, openssl.cnf) cost ~5 % of the CPU to the first response when the reloader hashed the file.
    /// </summary>
    [Fact]
    public async Task Start_WithAConfigFileAndNoKeys_AnswersWithoutLoadingOpenSsl()
    {
        var config = Path.Combine(Path.GetTempPath(), $"gw-startup-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, """
            span_store:
              enabled: false
            providers:
              - name: mock
                type: mock
                models: [echo]
            """);
        var (process, url, _) = await StartAsync(GatewayProcess.StartInfo("serve", "--config", config, "--urls", "http://127.0.0.1:0"));
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            using var chat = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            var maps = await File.ReadAllTextAsync($"/proc/{process.Id}/maps");
            Assert.DoesNotContain("libcrypto", maps);
            Assert.DoesNotContain("libssl", maps);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            File.Delete(config);
        }
    }

    /// <summary>A gateway process whose mock streams one token per <paramref name="tokenDelayMs"/>, and one stream open through it.</summary>
    private static async Task<(Process Process, Uri Url, string Config, HttpResponseMessage Response, Task<List<string>> Reading)> StartWithOpenStreamAsync(int tokenDelayMs, string words)
    {
        var config = Path.Combine(Path.GetTempPath(), $"gw-shutdown-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $$"""
            server:
              shutdown_timeout_ms: 20000
            span_store:
              enabled: false
            providers:
              - name: mock
                type: mock
                token_delay_ms: {{tokenDelayMs}}
                models: [slow]
            """);
        var (process, url, _) = await StartAsync(GatewayProcess.StartInfo("serve", "--config", config, "--urls", "http://127.0.0.1:0"));
        var client = new HttpClient { BaseAddress = url };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"mock/slow","stream":true,"messages":[{"role":"user","content":"{{words}}"}]}""", Encoding.UTF8, "application/json"),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (process, url, config, response, Sse.ReadAllAsync(response));
    }

    [Fact]
    public async Task Sigterm_LetsInFlightStreamsFinish_ThenExitsZero()
    {
        // The response headers are in: the stream is in flight when the signal arrives.
        var (process, _, config, response, reading) = await StartWithOpenStreamAsync(100, "one two three");
        try
        {
            GatewayProcess.Terminate(process);

            var events = await reading.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("[DONE]", events[^1]);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            response.Dispose();
            if (!process.HasExited) process.Kill();
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Sigterm_StopsAcceptingNewConnections()
    {
        var (process, url, config, response, reading) = await StartWithOpenStreamAsync(200, "a b c d e");
        try
        {
            GatewayProcess.Terminate(process);

            // With no drain delay configured the listener closes at once: a new connection is refused
            // while the open stream is still being served.
            using var fresh = new HttpClient { BaseAddress = url };
            await Poll.UntilAsync(async () => await ConnectionRefusedAsync(fresh), "a new connection is refused");
            Assert.False(reading.IsCompleted);
            Assert.Equal("[DONE]", (await reading.WaitAsync(TimeSpan.FromSeconds(20)))[^1]);
        }
        finally
        {
            response.Dispose();
            if (!process.HasExited) process.Kill();
            File.Delete(config);
        }
    }

    /// <summary>
    /// True when a fresh connection is refused; false while the gateway still answers. A connection
    /// that reached the kernel's accept queue just before the listener closed is reset instead of
    /// refused (seen on a loaded machine): that too is a connection the gateway did not accept.
    /// </summary>
    private static async Task<bool> ConnectionRefusedAsync(HttpClient client)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            return false;
        }
        catch (HttpRequestException e) when (IsRefusedOrReset(e))
        {
            return true;
        }
    }

    /// <summary>The socket error anywhere in the chain: a reset can also arrive wrapped in an IOException.</summary>
    private static bool IsRefusedOrReset(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset }) return true;
        }
        return false;
    }

    private const int DrainDelayMs = 5000;

    private static readonly string DrainConfig = $$"""
        server:
          shutdown_drain_delay_ms: {{DrainDelayMs}}
          shutdown_timeout_ms: 5000
        span_store:
          enabled: false
        providers:
          - name: mock
            type: mock
            token_delay_ms: 1
            models: [echo]
        """;

    /// <summary>A probe as a load balancer sends it: its own connection each time.</summary>
    private static async Task<HttpStatusCode> ReadyzAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/readyz");
        request.Headers.ConnectionClose = true;
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A chat completion on a new connection: proves the listener still accepts.</summary>
    private static async Task<string> ChatOnNewConnectionAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"mock/echo","messages":[{"role":"user","content":"still serving"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.ConnectionClose = true;
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    private static void AssertShutdownLogged(List<string> output)
    {
        List<string> lines;
        lock (output) lines = [.. output];
        var started = lines.FindIndex(l => l.Contains("shutdown started: /readyz answers 503; still serving for 5000 ms", StringComparison.Ordinal));
        var complete = lines.FindIndex(l => l.Contains("shutdown complete after ", StringComparison.Ordinal));
        Assert.True(started >= 0 && complete > started, "expected a 'shutdown started' line, then a 'shutdown complete' line:\n" + string.Join('\n', lines));
        Assert.Single(lines, l => l.Contains("shutdown started", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("shutdown complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_WithADrainDelay_ReadinessFailsWhileRequestsAreStillServed_ThenExitsZero()
    {
        var config = Path.Combine(Path.GetTempPath(), $"gw-drain-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, DrainConfig);
        var (process, url, output) = await StartAsync(GatewayProcess.StartInfo("serve", "--config", config, "--urls", "http://127.0.0.1:0"));
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            Assert.Equal(HttpStatusCode.OK, await ReadyzAsync(client));

            GatewayProcess.Terminate(process);

            // Kubernetes' probe sees the pod unready while the pod still takes the requests routed to it.
            await Poll.UntilAsync(async () => await ReadyzAsync(client) == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
            Assert.Contains("still serving", await ChatOnNewConnectionAsync(client));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadyzAsync(client));
            Assert.False(process.HasExited);

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            AssertShutdownLogged(output);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            File.Delete(config);
        }
    }

    [InProcessFact(Reason = "Drives the drain with a fake clock, which reaches only an in-process gateway; the SIGTERM test covers the binary.")]
    public async Task Stop_InProcess_DrainsOnTheInjectedClock_ThenClosesTheListener()
    {
        var time = new FakeTimeProvider();
        var output = new List<string>();
        var app = await GatewayApp.StartAsync(ConfigLoader.Load(DrainConfig, "test.yaml", _ => null), "http://127.0.0.1:0", _ => null,
            logging => logging.AddProvider(new ListLoggerProvider(output)), time);
        await using (app)
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls[0]) };
            Assert.Equal(HttpStatusCode.OK, await ReadyzAsync(client));

            var stopping = app.StopAsync();

            await Poll.UntilAsync(async () => await ReadyzAsync(client) == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
            Assert.Contains("still serving", await ChatOnNewConnectionAsync(client));
            // The clock has not moved: the drain holds the listener open however long this took.
            Assert.False(stopping.IsCompleted);
            Assert.False(await ConnectionRefusedAsync(client));

            // Advance the fake clock past the delay; repeated, because the drain may not have armed its timer yet.
            await Poll.UntilAsync(() =>
            {
                time.Advance(TimeSpan.FromMilliseconds(DrainDelayMs));
                return Task.FromResult(stopping.IsCompleted);
            }, "the stop completes once the drain delay has passed");
            await stopping;
            Assert.True(await ConnectionRefusedAsync(client));
            AssertShutdownLogged(output);
        }
    }
}
