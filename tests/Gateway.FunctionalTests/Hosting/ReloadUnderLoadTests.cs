using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>
/// Live reload while 20 clients stream and not: five rewrites of the config file (a model added, weights
/// changed, a provider's URL changed, an invalid file, a valid one). No request may fail; each change is
/// visible within 2 s; streams that started before a change finish; the invalid file leaves the previous
/// config serving and is logged; a target's health survives reloads that keep it.
/// </summary>
public sealed class ReloadUnderLoadTests : IAsyncLifetime
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(2);
    private FakeUpstream _a = null!;
    private FakeUpstream _b = null!;
    private FakeUpstream _broken = null!;

    public async Task InitializeAsync()
    {
        _a = await Answering("A");
        _b = await Answering("B");
        _broken = await FakeUpstream.StartAsync();
        _broken.Handler = (ctx, _) => FakeResponses.Error(ctx, 500, "always broken");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _broken.DisposeAsync();
    }

    /// <summary>An upstream whose every answer says its name: streams of 10 tokens 30 ms apart, or a whole completion.</summary>
    private static async Task<FakeUpstream> Answering(string name)
    {
        var upstream = await FakeUpstream.StartAsync();
        upstream.Handler = (ctx, body) => Encoding.UTF8.GetString(body).Contains("\"stream\":true", StringComparison.Ordinal)
            ? FakeResponses.Stream(ctx, Enumerable.Repeat(name, 10).ToArray(), gapMs: 30)
            : FakeResponses.Completion(ctx, name);
        return upstream;
    }

    private string Config(FakeUpstream up, string extraModels = "", int upWeight = 50, bool invalid = false) => $$"""
        server:
          sse_keepalive_ms: 0
        routing:
          health: {failure_threshold: 1, cooldown_ms: 600000}
        providers:
          - name: up
            type: openai
            base_url: {{up.BaseUrl}}
            models: [m{{extraModels}}]
          - name: mock
            type: mock
            token_delay_ms: 2
            models: [m]
          - name: bad
            type: openai
            base_url: {{_broken.BaseUrl}}
            models: [m]
        virtual_models:
          - name: v
            routing_config:
              type: weight-based-routing
              load_balance_targets:
                - {target: up/m, weight: {{upWeight}}}
                - {target: mock/m, weight: {{100 - upWeight}}}
          - name: h
            routing_config:
              type: priority-based-routing
              load_balance_targets:
                - target: bad/m
                  retry_config: {attempts: 0}
                - target: mock/m
        {{(invalid ? "unknown_section: true\n" : "")}}
        """;

    [Fact]
    public async Task Twenty_clients_see_no_failure_across_five_reloads()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config(_a), fromFile: true);
        var client = gateway.Client;
        // Trip bad/m: its one failure takes it out for the cool-down (10 min), so h goes straight to the mock.
        Assert.Equal("mock", await AnswerAsync(client, "h"));
        var brokenCalls = _broken.Requests.Count;
        Assert.Equal(1, brokenCalls);
        Assert.Equal(1, await VersionAsync(client));

        var failures = new ConcurrentQueue<string>();
        var completed = 0;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            for (var n = i; !stop.IsCancellationRequested; n++)
            {
                var (model, stream) = (n % 4) switch
                {
                    0 => ("up/m", true),
                    1 => ("up/m", false),
                    2 => ("h", true),
                    _ => ("v", false),
                };
                var problem = await SendAsync(client, model, stream);
                if (problem is null) Interlocked.Increment(ref completed); else failures.Enqueue($"{model} stream={stream}: {problem}");
            }
        })).ToArray();
        var clock = Stopwatch.StartNew();

        // 1. A model is added.
        await At(clock, 2);
        await RewriteAsync(gateway, Config(_a, extraModels: ", n"));
        await Poll.UntilAsync(async () => (await client.GetStringAsync("/v1/models")).Contains("\"up/n\"", StringComparison.Ordinal), "up/n listed", Visible);
        Assert.Equal(2, await VersionAsync(client));

        // 2. Weights change: v now sends everything to the mock.
        await At(clock, 5);
        await RewriteAsync(gateway, Config(_a, extraModels: ", n", upWeight: 0));
        await Poll.UntilAsync(async () => (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => AnswerAsync(client, "v")))).All(a => a == "mock"), "v weighted to the mock", Visible);

        // 3. The provider's URL changes: streams running on A finish there; new requests go to B.
        await At(clock, 8);
        await RewriteAsync(gateway, Config(_b, extraModels: ", n", upWeight: 0));
        await Poll.UntilAsync(async () => await AnswerAsync(client, "up/m") == "B", "up/m served by B", Visible);

        // 4. An invalid file: rejected, logged with its position, version 4 keeps serving.
        await At(clock, 11);
        await RewriteAsync(gateway, Config(_b, extraModels: ", n", upWeight: 0, invalid: true));
        Assert.True(await gateway.WaitForOutputAsync("config reload rejected", Visible), string.Join('\n', gateway.Output));
        Assert.Contains(gateway.Output.ToArray(), line => line.Contains("unknown_section", StringComparison.Ordinal));
        Assert.Equal(4, await VersionAsync(client));
        Assert.Equal("B", await AnswerAsync(client, "up/m"));

        // 5. A valid file again.
        await At(clock, 14);
        await RewriteAsync(gateway, Config(_b, extraModels: ", n, o", upWeight: 0));
        await Poll.UntilAsync(async () => (await client.GetStringAsync("/v1/models")).Contains("\"up/o\"", StringComparison.Ordinal), "up/o listed", Visible);
        Assert.Equal(5, await VersionAsync(client));
        Assert.Matches(@"\ngateway_config_version(\{[^}]*\})? 5\n", await client.GetStringAsync("/metrics"));

        await At(clock, 20);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(completed > 100, $"only {completed} requests completed");
        // bad/m stayed down through every reload (its key never changed): no request was sent to it again.
        Assert.Equal(brokenCalls, _broken.Requests.Count);
        Assert.True(_a.Requests.Count > 0 && _b.Requests.Count > 0);
    }

    private static async Task At(Stopwatch clock, int seconds)
    {
        var wait = TimeSpan.FromSeconds(seconds) - clock.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
    }

    /// <summary>Writes the whole file and renames it into place, as editors and ConfigMap volumes do.</summary>
    private static async Task RewriteAsync(GatewayUnderTest gateway, string yaml)
    {
        var temp = gateway.ConfigFile + ".tmp";
        await File.WriteAllTextAsync(temp, yaml);
        File.Move(temp, gateway.ConfigFile!, overwrite: true);
    }

    private static async Task<int> VersionAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/readyz");
        return int.Parse(text.Trim().Split("config_version=")[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Who answered a non-stream request: "A", "B" or "mock".</summary>
    private static async Task<string> AnswerAsync(HttpClient client, string model)
    {
        using var response = await client.PostAsync("/v1/chat/completions", Body(model, stream: false));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var content = JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        return content.StartsWith("This is a mock response", StringComparison.Ordinal) ? "mock" : content;
    }

    /// <summary>One request; null when it succeeded whole, else what went wrong.</summary>
    private static async Task<string?> SendAsync(HttpClient client, string model, bool stream)
    {
        try
        {
            using var response = await client.PostAsync("/v1/chat/completions", Body(model, stream), CancellationToken.None);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) return $"{(int)response.StatusCode} {text}";
            if (stream && (!text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal) || text.Contains("\"error\"", StringComparison.Ordinal))) return "stream did not finish: " + text;
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    private static StringContent Body(string model, bool stream) =>
        new($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
}
