using System.Diagnostics;
using System.Net;
using System.Text;
using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// One gateway per span store file. Two gateways started in one directory on the default config shared
/// gateway-spans.db, and the second logged "UNIQUE constraint failed: spans.id" for every batch it lost; now
/// the second fails its start with one line (exit code 1) and the first goes on. A gateway killed with
/// SIGKILL leaves nothing that blocks the next, and reads (the API, the CLI) take no lock.
/// </summary>
public sealed class SpanStoreOwnerTests
{
    private const string InUse = "' is in use by another gateway process; each replica needs its own span_store.path (or span_store.enabled: false)";

    /// <summary>A gateway process on the embedded default config, in <paramref name="directory"/>: its span store is gateway-spans.db there.</summary>
    private static Task<(Process Process, Uri Url, List<string> Output)> StartIn(string directory)
    {
        var psi = GatewayProcess.StartInfo("--urls", "http://127.0.0.1:0");
        psi.WorkingDirectory = directory;
        return GatewayProcess.StartAsync(psi);
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private static async Task ChatAsync(HttpClient client, string model = "mock/gpt-4o")
    {
        using var response = await client.PostAsync("/v1/chat/completions",
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static List<string> SpanIds(List<System.Text.Json.JsonElement> spans) => [.. spans.Select(s => s.GetProperty("spanId").GetString()!).Order()];

    private static void AssertNoFailedWrites(List<string> output)
    {
        lock (output) Assert.DoesNotContain(output, l => l.Contains("span store", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_gateway_on_the_same_file_exits_1_with_one_line_and_the_first_keeps_storing()
    {
        var directory = GatewayProcess.NewWorkingDirectory();
        var (first, url, output) = await StartIn(directory);
        try
        {
            var psi = GatewayProcess.StartInfo("--urls", "http://127.0.0.1:0");
            psi.WorkingDirectory = directory;
            var (code, stdout, stderr) = await GatewayProcess.RunAsync(psi);

            Assert.Equal(1, code);
            var line = stderr.Trim();
            Assert.DoesNotContain('\n', line);
            Assert.StartsWith("span_store.path: '/", line);
            Assert.EndsWith(Path.GetFileName(directory) + "/gateway-spans.db" + InUse, line);
            Assert.DoesNotContain("gateway listening", stdout);

            using var client = new HttpClient { BaseAddress = url };
            await ChatAsync(client);
            await client.WaitForStoredSpansAsync("", 1);
            Assert.False(first.HasExited);
            AssertNoFailedWrites(output);
        }
        finally
        {
            await StopAsync(first);
        }
    }

    [Fact]
    public async Task A_gateway_killed_with_sigkill_leaves_the_file_to_the_next_one()
    {
        var directory = GatewayProcess.NewWorkingDirectory();
        var (first, url, _) = await StartIn(directory);
        List<string> written;
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            await ChatAsync(client);
            written = SpanIds(await client.WaitForStoredSpansAsync("", 1));
            // SIGKILL: no shutdown code runs, the kernel drops the lock with the process.
            first.Kill();
            await first.WaitForExitAsync();
        }
        finally
        {
            await StopAsync(first);
        }
        // The lock file stays behind; only its lock went.
        Assert.True(File.Exists(Path.Combine(directory, "gateway-spans.db.lock")));

        var (next, nextUrl, output) = await StartIn(directory);
        try
        {
            using var client = new HttpClient { BaseAddress = nextUrl };
            // The same file: the spans the killed gateway committed are there.
            var existing = SpanIds(await client.QuerySpansAsync(""));
            Assert.Subset(existing.ToHashSet(), written.ToHashSet());
            await ChatAsync(client);
            await client.WaitForStoredSpansAsync("", existing.Count + 1);
            AssertNoFailedWrites(output);
        }
        finally
        {
            await StopAsync(next);
        }
    }

    [Fact]
    public async Task The_cli_queries_while_a_gateway_holds_the_file()
    {
        var (gateway, url, _) = await StartIn(GatewayProcess.NewWorkingDirectory());
        try
        {
            using var client = new HttpClient { BaseAddress = url };
            await ChatAsync(client);
            var stored = SpanIds(await client.WaitForStoredSpansAsync("", 1));

            var (code, stdout, stderr) = await GatewayProcess.RunAsync("spans", "query", "--url", url.ToString().TrimEnd('/'), "--start", "5m", "-o", "json");

            Assert.True(code == 0, stderr);
            Assert.All(stored, id => Assert.Contains(id, stdout));
        }
        finally
        {
            await StopAsync(gateway);
        }
    }

    [InProcessFact(Reason = "Two gateways in this process; against the binary each gateway is a process of its own (the tests above).")]
    public async Task A_second_gateway_in_the_same_process_is_refused_and_the_next_starts_once_the_first_is_disposed()
    {
        var path = Path.Combine(GatewayProcess.NewWorkingDirectory(), "spans.db");
        var yaml = $$"""
            providers:
              - name: mock
                type: mock
                models: [echo]
            span_store: {path: '{{path}}'}
            """;
        List<string> written;
        await using (var first = await GatewayUnderTest.StartAsync(yaml))
        {
            var e = await Assert.ThrowsAsync<ConfigException>(() => GatewayUnderTest.StartAsync(yaml));

            Assert.Equal([$"span_store.path: '{path}{InUse}"], e.Errors);
            await ChatAsync(first.Client, "mock/echo");
            written = SpanIds(await first.WaitForStoredSpansAsync("", 1));
            await first.ShutdownAsync();
        }

        await using var next = await GatewayUnderTest.StartAsync(yaml);
        var existing = SpanIds(await next.QuerySpansAsync(""));
        Assert.Subset(existing.ToHashSet(), written.ToHashSet());
        await ChatAsync(next.Client, "mock/echo");
        await next.WaitForStoredSpansAsync("", existing.Count + 1);
        AssertNoFailedWrites(next.Output);
    }

    /// <summary>The store is opened once, at start: a reload keeps it (and its lock) whatever span_store now says, and says a restart applies it.</summary>
    [Fact]
    public async Task A_reload_keeps_the_open_store_even_when_span_store_path_changes()
    {
        var directory = GatewayProcess.NewWorkingDirectory();
        var path = Path.Combine(directory, "spans.db");
        var moved = Path.Combine(directory, "moved.db");
        static string Yaml(string models, string path) => $$"""
            providers:
              - name: mock
                type: mock
                models: [{{models}}]
            span_store: {path: '{{path}}'}
            """;
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml("echo", path), fromFile: true);
        await ChatAsync(gateway.Client, "mock/echo");
        await gateway.WaitForStoredSpansAsync("", 1);

        // Written whole and renamed into place, as editors and ConfigMap volumes do.
        await File.WriteAllTextAsync(gateway.ConfigFile + ".tmp", Yaml("echo, other", moved));
        File.Move(gateway.ConfigFile + ".tmp", gateway.ConfigFile!, overwrite: true);

        Assert.True(await gateway.WaitForOutputAsync("span_store changed but is read only at startup", TimeSpan.FromSeconds(10)), string.Join('\n', gateway.Output));
        await ChatAsync(gateway.Client, "mock/other");
        await Poll.ForAsync(() => gateway.QuerySpansAsync(""), spans => spans.Any(s => s.GetRawText().Contains("mock/other", StringComparison.Ordinal)), spans => $"no span of mock/other among {spans.Count}");
        Assert.False(File.Exists(moved) || File.Exists(moved + ".lock"), "the reload opened the new path");
        AssertNoFailedWrites(gateway.Output);
    }
}
