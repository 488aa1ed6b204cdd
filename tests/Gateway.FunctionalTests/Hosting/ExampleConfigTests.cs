using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.Tracing;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>
/// What a newcomer starts from (issue #9, item 14): the shipped examples/gateway.yaml and the embedded
/// default printed by <c>gateway config print-default</c> both pass <c>gateway config check</c>, in process
/// and through the real executable (the AOT binary with GATEWAY_BINARY).
/// </summary>
public sealed class ExampleConfigTests
{
    private static readonly string s_example = RepoFiles.PathOf("examples/gateway.yaml");
    private static readonly Dictionary<string, string> s_withKey = new() { ["OPENAI_API_KEY"] = "sk-example-not-a-real-key" };

    private const string ExampleSummary = "ok (2 providers, 7 models, 2 virtual models, 1 routing rules, 0 API keys)";

    private static (int Code, string Stdout, string Stderr) CheckInProcess(string file, Func<string, string?> env)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = Cli.CheckConfig(file, stdout, stderr, env);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Example_PassesConfigCheck_InProcess()
    {
        var (code, stdout, stderr) = CheckInProcess(s_example, name => s_withKey.GetValueOrDefault(name));
        Assert.True(code == 0, stderr);
        Assert.Contains(ExampleSummary, stdout);
    }

    [Fact]
    public async Task Example_PassesConfigCheck_WithTheExecutable()
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(s_withKey, "config", "check", s_example);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{s_example}: {ExampleSummary}", stdout);
    }

    [Fact]
    public async Task Example_WithoutOpenAIKey_FailsNamingTheVariable()
    {
        var (code, _, stderr) = await GatewayProcess.RunAsync("config", "check", s_example);
        Assert.Equal(1, code);
        Assert.Contains("providers[0].api_key: environment variable 'OPENAI_API_KEY' is not set", stderr);
    }

    [Fact]
    public void Example_SetsTheDocumentedOperationalFields()
    {
        var config = ConfigLoader.LoadFile(s_example, name => s_withKey.GetValueOrDefault(name));
        Assert.Equal(5000, config.Server.ShutdownDrainDelayMs);
        Assert.Equal(["openai-main", "mock"], config.Providers.Select(p => p.Name));
        Assert.Equal(ProviderKind.OpenAI, config.Providers[0].Kind);
        Assert.Equal("https://api.openai.com/v1", config.Providers[0].BaseUrl);
        Assert.Equal(["chat-default", "chat-reliable"], config.VirtualModels.Select(v => v.Name));
        Assert.Equal("gateway-spans.db", config.SpanStore.Path);
        Assert.Equal(["everything", "tools"], config.Mcp.Servers.Select(s => s.Name));
    }

    [Fact]
    public async Task Example_Serves_WithOpenAIAtAFakeUpstream()
    {
        await using var openai = await FakeUpstream.StartAsync();
        openai.Handler = (ctx, _) => FakeResponses.Completion(ctx, "from the fake OpenAI");
        var spans = Path.Combine(Path.GetTempPath(), $"gw-example-spans-{Guid.NewGuid():N}.db");
        var yaml = (await File.ReadAllTextAsync(s_example)).Replace("path: gateway-spans.db", $"path: {spans}", StringComparison.Ordinal);
        Assert.Contains(spans, yaml);
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(yaml, new Dictionary<string, string>(s_withKey) { ["OPENAI_BASE_URL"] = openai.BaseUrl });
            using (var response = await gateway.Chat("openai-main/gpt-4o"))
            {
                Assert.Contains("from the fake OpenAI", await response.Content.ReadAsStringAsync());
            }
            using (var response = await gateway.Chat("chat-default"))
            {
                Assert.Contains("from the fake OpenAI", await response.Content.ReadAsStringAsync());
            }
            using (var response = await gateway.Chat("mock/echo"))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            }
            Assert.Equal(2, openai.Requests.Count);
            Assert.All(openai.Requests, r => Assert.Equal("Bearer sk-example-not-a-real-key", r.Headers["Authorization"]));
        }
        finally
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(spans + suffix);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PrintDefault_PassesConfigCheck_InProcess(bool withKey)
    {
        Func<string, string?> env = name => withKey ? s_withKey.GetValueOrDefault(name) : null;
        using var printed = new StringWriter();
        Assert.Equal(0, Cli.PrintDefaultConfig(printed, env));
        var file = WriteTemp(printed.ToString());
        try
        {
            var (code, stdout, stderr) = CheckInProcess(file, env);
            Assert.True(code == 0, stderr);
            Assert.Contains(withKey ? "ok (2 providers, 10 models" : "ok (1 providers, 3 models", stdout);
            // The same configuration serve runs without --config.
            var embedded = ConfigLoader.LoadDefault(env);
            var loaded = ConfigLoader.LoadFile(file, env);
            Assert.Equal(embedded.Providers.SelectMany(p => p.Models.Select(m => p.Name + "/" + m.Name)), loaded.Providers.SelectMany(p => p.Models.Select(m => p.Name + "/" + m.Name)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PrintDefault_PassesConfigCheck_WithTheExecutable(bool withKey)
    {
        var env = withKey ? s_withKey : null;
        var (code, printed, stderr) = await GatewayProcess.RunAsync(env, "config", "print-default");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("# The embedded default configuration", printed);
        Assert.Equal(withKey, printed.Contains("name: openai-main", StringComparison.Ordinal));
        var file = WriteTemp(printed);
        try
        {
            var (checkCode, stdout, checkErr) = await GatewayProcess.RunAsync(env, "config", "check", file);
            Assert.True(checkCode == 0, checkErr);
            Assert.Contains(withKey ? "ok (2 providers, 10 models" : "ok (1 providers, 3 models", stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Help_ListsPrintDefault_AndTheServiceNameDefaultInUse()
    {
        var (code, stdout, _) = await GatewayProcess.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("gateway config print-default", stdout);
        Assert.Contains($"(default: {OtlpSettings.DefaultServiceName})", stdout);
    }

    private static string WriteTemp(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gw-default-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }
}
