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
    public async Task Help_ListsTheCommandsOptionsAndEnvironment()
    {
        var (code, stdout, _) = await GatewayProcess.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  gateway [command] [options]", stdout.ReplaceLineEndings("\n"));
        Assert.Contains("  --config <FILE>", stdout);
        Assert.Contains("  --urls <URLS>", stdout);
        Assert.Contains("  --version", stdout);
        Assert.Matches(@"(?m)^  serve +run the gateway \(the default\)$", stdout);
        Assert.Matches(@"(?m)^  config +", stdout);
        Assert.Matches(@"(?m)^  spans +", stdout);
        Assert.Matches(@"(?m)^  limits +", stdout);
        Assert.Contains("gateway config check examples/gateway.yaml", stdout);
        foreach (var variable in new[] { "GATEWAY_CONFIG", "ASPNETCORE_URLS", "OPENAI_API_KEY", "ENABLE_OTEL_TRACING", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME", "ENABLE_OTEL_METRICS" })
        {
            Assert.Contains(variable, stdout);
        }
    }

    [Theory]
    [InlineData(new[] { "config", "--help" }, "check <FILE>", "print-default")]
    [InlineData(new[] { "config", "check", "--help" }, "gateway config check <FILE>", "<FILE>")]
    [InlineData(new[] { "serve", "--help" }, "gateway serve [options]", "ENABLE_OTEL_TRACING")]
    [InlineData(new[] { "spans", "--help" }, "query", "gateway spans [command]")]
    [InlineData(new[] { "limits", "usage", "--help" }, "gateway limits usage [options]", "--type <rate_limit|budget>")]
    public async Task Help_OfACommand(string[] args, string expected, string alsoExpected)
    {
        var (code, stdout, _) = await GatewayProcess.RunAsync(args);
        Assert.Equal(0, code);
        Assert.Contains(expected, stdout);
        Assert.Contains(alsoExpected, stdout);
    }

    [Theory]
    [InlineData("gateway: Unrecognized command or argument 'frobnicate'.", "See 'gateway --help'.", "frobnicate")]
    [InlineData("gateway serve: Unrecognized command or argument '--bogus'.", "See 'gateway serve --help'.", "serve", "--bogus")]
    [InlineData("gateway: Unrecognized command or argument '--bogus'.", "See 'gateway --help'.", "--bogus")]
    [InlineData("gateway: Required argument missing for option: '--config'.", "See 'gateway --help'.", "--config")]
    [InlineData("gateway config: Required command was not provided.", "See 'gateway config --help'.", "config")]
    [InlineData("gateway config: Unrecognized command or argument 'frobnicate'.", "See 'gateway config --help'.", "config", "frobnicate")]
    [InlineData("gateway config check: Required argument missing for command: 'check'.", "See 'gateway config check --help'.", "config", "check")]
    [InlineData("gateway config check: Unrecognized command or argument 'b.yaml'.", "See 'gateway config check --help'.", "config", "check", "a.yaml", "b.yaml")]
    [InlineData("gateway config print-default: Unrecognized command or argument 'x'.", "See 'gateway config print-default --help'.", "config", "print-default", "x")]
    [InlineData("gateway spans: Required command was not provided.", "See 'gateway spans --help'.", "spans")]
    [InlineData("gateway config check: --config and --urls are options of 'serve'.", "See 'gateway config check --help'.", "--config", "a.yaml", "config", "check", "b.yaml")]
    [InlineData("gateway config print-default: --config and --urls are options of 'serve'.", "See 'gateway config print-default --help'.", "--config=a.yaml", "config", "print-default")]
    [InlineData("gateway spans query: --config and --urls are options of 'serve'.", "See 'gateway spans query --help'.", "--urls", "http://127.0.0.1:1", "spans", "query")]
    public async Task UsageErrors_Exit2_NamingTheCommandAndItsHelp(string error, string hint, params string[] args)
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        // Each error on a line of its own, prefixed with the command; then one pointer to that command's help.
        var lines = stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Contains(error, lines);
        Assert.Equal(hint, lines[^1]);
        var prefix = error[..(error.IndexOf(": ", StringComparison.Ordinal) + 2)];
        Assert.All(lines[..^1], line => Assert.StartsWith(prefix, line));
    }

    /// <summary>Where serve takes its configuration file from, in process: a missing file fails the same way whichever way it was named.</summary>
    [Theory]
    [InlineData(null, "--config", "/nonexistent/flag.yaml")]
    [InlineData(null, "--config=/nonexistent/flag.yaml")]
    [InlineData(null, "serve", "--config", "/nonexistent/flag.yaml", "--urls", "http://127.0.0.1:0")]
    [InlineData(null, "serve", "--urls=http://127.0.0.1:0", "--config=/nonexistent/flag.yaml")]
    [InlineData("/nonexistent/env.yaml", "serve", "--config", "/nonexistent/flag.yaml")]
    [InlineData("/nonexistent/env.yaml")]
    [InlineData("/nonexistent/env.yaml", "serve")]
    public async Task Serve_TakesTheConfigFromTheFlagThenGatewayConfig(string? gatewayConfig, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, name => name == "GATEWAY_CONFIG" ? gatewayConfig : null);
        Assert.Equal(1, code);
        var expected = args.Any(a => a.Contains("flag.yaml", StringComparison.Ordinal)) ? "/nonexistent/flag.yaml" : "/nonexistent/env.yaml";
        Assert.StartsWith(expected + ":", stderr.ToString());
        Assert.Contains("cannot read the file", stderr.ToString());
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
