using System.Diagnostics;
using System.Net;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>The gateway as a real process: default config, listen address rules, SIGTERM.</summary>
public sealed class ShutdownTests
{
    private static async Task<(Process Process, Uri Url, List<string> Output)> StartAsync(ProcessStartInfo psi)
    {
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (e.Data.StartsWith("gateway listening on ", StringComparison.Ordinal)) listening.TrySetResult(new Uri(e.Data["gateway listening on ".Length..].Split(' ')[0]));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return (process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(20)), output);
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

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
        var (process, _, config, response, reading) = await StartWithOpenStreamAsync(100, "one two three");
        try
        {
            await Task.Delay(300);

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
            await Task.Delay(200);
            GatewayProcess.Terminate(process);
            await Task.Delay(300);

            using var fresh = new HttpClient { BaseAddress = url };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => fresh.GetAsync("/healthz"));
            Assert.Equal("[DONE]", (await reading.WaitAsync(TimeSpan.FromSeconds(20)))[^1]);
        }
        finally
        {
            response.Dispose();
            if (!process.HasExited) process.Kill();
            File.Delete(config);
        }
    }
}
