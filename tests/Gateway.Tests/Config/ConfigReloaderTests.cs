using Gateway.Config;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Config;

/// <summary>Reloads through the file, with a fake clock (the debounce and upstream retirement are timers).</summary>
public sealed class ConfigReloaderTests : IDisposable
{
    private const string First = """
        providers:
          - {name: a, type: mock, models: [m]}
          - {name: b, type: openai, base_url: "http://127.0.0.1:9/v1", models: [m]}
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("gateway-reload-").FullName;
    private readonly string _file;
    private readonly FakeTimeProvider _time = new();
    private readonly GatewayRuntime _runtime;
    private readonly ConfigReloader _reloader;

    public ConfigReloaderTests()
    {
        _file = Path.Combine(_dir, "gateway.yaml");
        File.WriteAllText(_file, First);
        _runtime = new GatewayRuntime(ConfigLoader.LoadFile(_file, _ => null), _time);
        _reloader = new ConfigReloader(_file, _runtime, _ => null, NullLogger.Instance);
    }

    [Fact]
    public void A_valid_file_becomes_the_next_version()
    {
        File.WriteAllText(_file, First + "\nvirtual_models:\n  - name: v\n    routing_config:\n      type: priority-based-routing\n      load_balance_targets:\n        - {target: a/m}\n");

        Assert.True(_reloader.Reload("test"));

        Assert.Equal(2, _runtime.Current.Version);
        Assert.True(_runtime.Current.Routing.TryGetVirtualModel("v", out _));
    }

    [Fact]
    public void An_invalid_file_is_rejected_and_the_old_config_stays()
    {
        var before = _runtime.Current;
        File.WriteAllText(_file, "providers:\n  - {name: a, type: mock, models: [m], base_ulr: x}\n");

        Assert.False(_reloader.Reload("test"));

        Assert.Same(before, _runtime.Current);
        Assert.Equal(1, _reloader.Rejected);
    }

    [Fact]
    public void An_unchanged_file_is_not_reloaded_unless_forced()
    {
        Assert.False(_reloader.Reload("test"));
        Assert.Equal(1, _runtime.Current.Version);

        Assert.True(_reloader.Reload("SIGHUP", force: true));
        Assert.Equal(2, _runtime.Current.Version);
    }

    [Fact]
    public void Target_health_and_connections_survive_a_reload_that_keeps_their_key()
    {
        var health = _runtime.Current.Routing.HealthOf("a/m");
        health.RecordFailure(1);
        var upstreamA = Upstream("a");
        var upstreamB = Upstream("b");

        // b's URL changes; a is untouched.
        File.WriteAllText(_file, First.Replace("127.0.0.1:9", "127.0.0.1:10"));
        Assert.True(_reloader.Reload("test"));

        Assert.Same(health, _runtime.Current.Routing.HealthOf("a/m"));
        Assert.Equal(1, _runtime.Current.Routing.HealthOf("a/m").ConsecutiveFailures);
        Assert.Same(upstreamA, Upstream("a"));
        Assert.NotSame(upstreamB, Upstream("b"));
        Assert.Equal("http://127.0.0.1:10/v1/chat/completions", Upstream("b").UrlFor(Gateway.Providers.Operation.Chat).AbsoluteUri);
    }

    [Fact]
    public async Task A_replaced_upstream_is_disposed_only_after_the_grace_period()
    {
        var old = Upstream("b");
        File.WriteAllText(_file, First.Replace("127.0.0.1:9", "127.0.0.1:10"));
        Assert.True(_reloader.Reload("test"));
        Assert.Equal(3, _runtime.Upstreams.Live);

        // In flight on the old snapshot: the old upstream still sends (and fails to connect, port 9 is closed).
        using var request = new HttpRequestMessage(HttpMethod.Post, old.UrlFor(Gateway.Providers.Operation.Chat));
        await Assert.ThrowsAsync<HttpRequestException>(() => old.SendAsync(request, default));

        _time.Advance(TimeSpan.FromMilliseconds(new ServerOptions().RequestTimeoutMs + 5_000));
        Assert.Equal(2, _runtime.Upstreams.Live);
        using var late = new HttpRequestMessage(HttpMethod.Post, old.UrlFor(Gateway.Providers.Operation.Chat));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => old.SendAsync(late, default));
    }

    [Fact]
    public async Task A_file_change_reloads_after_the_debounce()
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.Reloaded += _ => reloaded.TrySetResult();
        _reloader.Start();
        File.WriteAllText(_file, First.Replace("models: [m]}", "models: [m, n]}"));

        // The watcher's event arrives on its own thread and arms the debounce timer; the fake clock fires it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!reloaded.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            _time.Advance(ConfigReloader.DefaultDebounce);
            await Task.WhenAny(reloaded.Task, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        Assert.Equal(2, _runtime.Current.Version);
        Assert.True(_runtime.Current.Catalog.TryGet("a/n", out _));
    }

    [Fact]
    public void A_write_in_place_is_seen_by_the_poll_without_a_watcher_event()
    {
        _reloader.Start();
        // In place (truncate and write, no rename): the directory watch sees names only, so the poll finds it.
        File.WriteAllText(_file, First.Replace("models: [m]}", "models: [m, n, o]}"));

        // The fake clock runs the poll and then the debounce synchronously, on this thread.
        _time.Advance(ConfigReloader.PollInterval);
        Assert.Equal(1, _runtime.Current.Version);
        _time.Advance(ConfigReloader.DefaultDebounce);

        Assert.Equal(2, _runtime.Current.Version);
        Assert.True(_runtime.Current.Catalog.TryGet("a/o", out _));
    }

    /// <summary>The watch starts in the background (issue #11, startup); a change written before it is in place is not lost.</summary>
    [Fact]
    public async Task A_change_written_before_the_watch_is_in_place_is_still_reloaded()
    {
        File.WriteAllText(_file, First.Replace("models: [m]}", "models: [m, n]}"));
        _reloader.Start();

        // No clock to advance: the comparison after the watch starts reloads directly.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_runtime.Current.Version == 1 && DateTime.UtcNow < deadline) await Task.Delay(TimeSpan.FromMilliseconds(20));

        Assert.Equal(2, _runtime.Current.Version);
        Assert.True(_runtime.Current.Catalog.TryGet("a/n", out _));
        Assert.Equal(1, _reloader.Applied);
    }

    private Gateway.Providers.Upstream Upstream(string provider)
    {
        Assert.True(_runtime.Current.Catalog.TryGet(provider + "/m", out var target));
        return target.Upstream;
    }

    public void Dispose()
    {
        _reloader.Dispose();
        _runtime.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
