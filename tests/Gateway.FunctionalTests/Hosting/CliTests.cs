using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Hosting;

public sealed class CliTests
{
    [Fact]
    public async Task Version()
    {
        var (code, stdout, _) = await GatewayProcess.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("gateway ", stdout);
    }

    [Fact]
    public async Task Help_ListsTheVerbs()
    {
        var (code, stdout, _) = await GatewayProcess.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("config check FILE", stdout);
        Assert.Contains("--urls", stdout);
    }

    [Fact]
    public async Task UnknownCommand_ExitsNonZero()
    {
        var (code, _, stderr) = await GatewayProcess.RunAsync("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command", stderr);
    }

    [Fact]
    public async Task ConfigCheck_ValidFile()
    {
        var file = await WriteAsync("""
            providers:
              - name: mock
                type: mock
                models: [a, b]
            """);
        var (code, stdout, _) = await GatewayProcess.RunAsync("config", "check", file);
        Assert.Equal(0, code);
        Assert.Contains("ok (1 providers, 2 models", stdout);
    }

    [Fact]
    public async Task ConfigCheck_InvalidFile_PrintsFileLineAndField()
    {
        var file = await WriteAsync("""
            providers:
              - name: mock
                type: mock
                modles: [a]
            """);
        var (code, _, stderr) = await GatewayProcess.RunAsync("config", "check", file);
        Assert.Equal(1, code);
        Assert.Contains($"{file}:4:5: providers[0].modles: unknown field", stderr);
    }

    [Fact]
    public async Task ConfigCheck_MissingFile()
    {
        var (code, _, stderr) = await GatewayProcess.RunAsync("config", "check", "/nonexistent/gw.yaml");
        Assert.Equal(1, code);
        Assert.Contains("cannot read the file", stderr);
    }

    [Fact]
    public async Task Serve_WithInvalidConfig_ExitsWithTheErrors()
    {
        var file = await WriteAsync("providers: 5");
        var (code, _, stderr) = await GatewayProcess.RunAsync("serve", "--config", file, "--urls", "http://127.0.0.1:0");
        Assert.Equal(1, code);
        Assert.Contains("providers: expected a list", stderr);
    }

    private static async Task<string> WriteAsync(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gw-cli-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        return file;
    }
}
