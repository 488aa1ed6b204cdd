using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Gateway.Config;

namespace Gateway;

/// <summary>
/// <c>gateway [serve]</c>, <c>gateway config check FILE</c>, <c>gateway config print-default</c>,
/// <c>gateway spans query</c>, <c>gateway limits usage</c>, <c>--version</c>, <c>--help</c>, on System.CommandLine (issue #10, item 6).
/// </summary>
internal static class Cli
{
    public const string Version = "0.1.0";

    /// <summary>Exit code of a command line the parser rejects (unknown command or option, bad value), as before the move to System.CommandLine.</summary>
    private const int UsageError = 2;

    // Printed after the standard help of the root command and of 'serve': what the options cannot say.
    private const string ServeNotes = $"""
        Environment:
          GATEWAY_CONFIG                           the configuration file when --config is not given
          ASPNETCORE_URLS                          listen addresses when --urls is not given
          OPENAI_API_KEY                           the embedded default also serves OpenAI's models

        Tracing (OpenTelemetry, OTLP):
          ENABLE_OTEL_TRACING=true                 export spans
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT       e.g. http://collector:4318/v1/traces
          OTEL_EXPORTER_OTLP_TRACES_HEADERS        key=value,... (e.g. collector credentials)
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL       http/protobuf (default) or grpc
          OTEL_SERVICE_NAME                        service.name of the spans, exported and stored
                                                   (default: {Tracing.OtlpSettings.DefaultServiceName})
          ENABLE_OTEL_METRICS=true                 also export the gen_ai.* metrics
          Content capture and size: the config's tracing: section.

        Examples:
          gateway serve --config examples/gateway.yaml --urls http://0.0.0.0:8080
          gateway config check examples/gateway.yaml
          gateway config print-default > gateway.yaml
          gateway spans query --start 1h --root --output table
          gateway limits usage --rule per-user-rpm

        OpenAI clients point their base URL at http://HOST:PORT/v1.
        """;

    // Parsed as written: an argument that starts with '@' (a file name, a slug) is not a response file.
    private static readonly ParserConfiguration s_parser = new() { ResponseFileTokenReplacer = null };

    public static Task<int> RunAsync(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, TimeProvider.System);

    /// <summary>The whole command line; writers, environment and clock are parameters so tests run it in process.</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider? time = null)
    {
        var result = CreateRootCommand(environment, time ?? TimeProvider.System).Parse(args, s_parser);
        if (result.Action is ParseErrorAction)
        {
            // One line per error and a pointer to the help, exit code 2, instead of the default
            // (the whole help after the errors, exit code 1).
            var command = CommandPath(result.CommandResult.Command);
            foreach (var error in result.Errors) await stderr.WriteLineAsync($"{command}: {error.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"See '{command} --help'.").ConfigureAwait(false);
            return UsageError;
        }
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // The gateway handles SIGTERM itself (shutdown drain, GatewayApp); System.CommandLine's
            // handler would cancel the action and end the process after its timeout (ShutdownTests fail with it).
            ProcessTerminationTimeout = null,
            // An unexpected exception ends the process as it did before: with the runtime's report.
            EnableDefaultExceptionHandler = false,
        };
        return await result.InvokeAsync(invocation).ConfigureAwait(false);
    }

    internal static RootCommand CreateRootCommand(Func<string, string?> environment, TimeProvider time)
    {
        var configFile = new Option<string>("--config")
        {
            HelpName = "FILE",
            Description = "YAML configuration (or GATEWAY_CONFIG). Without one, an embedded default serves mock models, and OpenAI's when OPENAI_API_KEY is set.",
        };
        var urls = new Option<string>("--urls")
        {
            HelpName = "URLS",
            Description = "listen addresses, e.g. http://0.0.0.0:8080 (or ASPNETCORE_URLS; then the config's server.listen; then http://127.0.0.1:8080)",
        };
        Task<int> Serve(ParseResult r, CancellationToken _) =>
            ServeAsync(r.GetValue(configFile), r.GetValue(urls), r.InvocationConfiguration.Error, environment);

        var serve = new Command("serve", "run the gateway (the default)") { configFile, urls };
        serve.SetAction(Serve);

        var file = new Argument<string>("FILE") { Description = "the YAML configuration to validate" };
        var check = new Command("check", "validate a configuration file: file:line:column errors, or a summary") { file };
        check.SetAction(r => CheckConfig(r.GetValue(file)!, r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, environment));
        var printDefault = new Command("print-default", "print the embedded default configuration (what 'serve' runs without --config), as YAML");
        printDefault.SetAction(r => PrintDefaultConfig(r.InvocationConfiguration.Output, environment));

        var query = new SpansQueryCommand(environment, time);
        var config = new Command("config", "validate or print a configuration") { check, printDefault };
        var spans = new Command("spans", "read the spans a running gateway stored") { query };
        var usage = new LimitsUsageCommand(environment);
        var limits = new Command("limits", "read a running gateway's rate limit and budget usage") { usage };
        var root = new RootCommand("gateway - an OpenAI-compatible LLM gateway") { configFile, urls, serve, config, spans, limits };
        root.SetAction(Serve);
        foreach (var command in new Command[] { check, printDefault, query, usage })
        {
            // 'gateway --config FILE config check OTHER' would otherwise ignore --config without a word.
            // (System.CommandLine runs the validators of the command that was invoked, not of its parents.)
            command.Validators.Add(r =>
            {
                var top = r;
                while (top.Parent is CommandResult parent) top = parent;
                if (top.Children.Any(c => c is OptionResult o && (o.Option == configFile || o.Option == urls)))
                {
                    r.AddError("--config and --urls are options of 'serve'.");
                }
            });
        }

        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help })
            {
                option.Action = new HelpWithNotesAction(help, new Dictionary<Command, string> { [root] = ServeNotes, [serve] = ServeNotes, [query] = SpansQueryCommand.Notes });
            }
            else if (option is VersionOption)
            {
                option.Action = new VersionAction("gateway " + Version);
            }
        }
        return root;
    }

    /// <summary><c>gateway config check</c> for a command, as a user types it.</summary>
    private static string CommandPath(Command command)
    {
        var path = command is RootCommand ? "gateway" : command.Name;
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            path = (parent is RootCommand ? "gateway" : parent.Name) + " " + path;
        }
        return path;
    }

    /// <summary><c>gateway config check FILE</c>; the writers and environment are parameters so tests run it in process.</summary>
    internal static int CheckConfig(string file, TextWriter stdout, TextWriter stderr, Func<string, string?>? environment = null)
    {
        try
        {
            var config = ConfigLoader.LoadFile(file, environment);
            var models = config.Providers.Sum(p => p.Models.Count);
            stdout.WriteLine($"{file}: ok ({config.Providers.Count} providers, {models} models, {config.VirtualModels.Count} virtual models, " +
                $"{config.Routing.Rules.Count} routing rules, {config.ApiKeys.Count} API keys)");
            return 0;
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors) stderr.WriteLine(error);
            return 1;
        }
    }

    /// <summary>
    /// <c>gateway config print-default</c>: the configuration <c>serve</c> uses without <c>--config</c>, as a
    /// starting point for a file of one's own (it depends on OPENAI_API_KEY as serve's does).
    /// </summary>
    internal static int PrintDefaultConfig(TextWriter stdout, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var withOpenAI = ConfigLoader.DefaultIncludesOpenAI(environment);
        stdout.WriteLine("# The embedded default configuration: what 'gateway serve' runs without --config.");
        stdout.WriteLine(withOpenAI
            ? "# OPENAI_API_KEY is set, so OpenAI's models are served too, as openai-main/<model>."
            : "# Set OPENAI_API_KEY to also serve OpenAI's models, as openai-main/<model>.");
        stdout.Write(DefaultConfig.Yaml(withOpenAI));
        return 0;
    }

    private static async Task<int> ServeAsync(string? configFile, string? urls, TextWriter stderr, Func<string, string?> environment)
    {
        configFile ??= environment("GATEWAY_CONFIG");
        GatewayConfig config;
        try
        {
            config = string.IsNullOrEmpty(configFile) ? ConfigLoader.LoadDefault(environment) : ConfigLoader.LoadFile(configFile, environment);
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors) await stderr.WriteLineAsync(error).ConfigureAwait(false);
            return 1;
        }
        urls ??= environment("ASPNETCORE_URLS");
        if (string.IsNullOrWhiteSpace(urls)) urls = config.Server.Listen ?? "http://127.0.0.1:8080";

        GatewayApp app;
        try
        {
            app = await GatewayApp.StartAsync(config, urls).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            // Invalid OTEL_* environment, an address it cannot listen on, a span store file another gateway holds: as fatal as a bad config file.
            foreach (var error in e.Errors) await stderr.WriteLineAsync(error).ConfigureAwait(false);
            return 1;
        }
        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        return 0;
    }
}
