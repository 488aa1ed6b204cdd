using Gateway.Config;

namespace Gateway;

/// <summary>
/// <c>gateway [serve]</c>, <c>gateway config check FILE</c>, <c>gateway spans query</c>, <c>--version</c>, <c>--help</c>.
/// Hand-parsed: a handful of verbs does not need a parser library, and this keeps startup small.
/// </summary>
internal static class Cli
{
    public const string Version = "0.1.0";

    private const string Help = $"""
        gateway - an OpenAI-compatible LLM gateway

        Usage:
          gateway [serve] [--config FILE] [--urls URLS]   run the gateway (the default)
          gateway config check FILE                       validate a configuration file
          gateway config print-default                    print the embedded default configuration
          gateway spans query [options]                   query stored spans (see 'gateway spans query --help')
          gateway --version                               print the version
          gateway --help                                  print this help

        Options:
          --config FILE   YAML configuration (or GATEWAY_CONFIG). Without one, an embedded default
                          serves mock models, and OpenAI's when OPENAI_API_KEY is set.
          --urls URLS     listen addresses, e.g. http://0.0.0.0:8080 (or ASPNETCORE_URLS; then the
                          config's server.listen; then http://127.0.0.1:8080)

        Tracing (OpenTelemetry, OTLP):
          ENABLE_OTEL_TRACING=true                 export spans
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT       e.g. http://collector:4318/v1/traces
          OTEL_EXPORTER_OTLP_TRACES_HEADERS        key=value,... (e.g. collector credentials)
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL       http/protobuf (default) or grpc
          OTEL_SERVICE_NAME                        service.name of the spans, exported and stored
                                                   (default: {Tracing.OtlpSettings.DefaultServiceName})
          ENABLE_OTEL_METRICS=true                 also export the gen_ai.* metrics
          Content capture and size: the config's tracing: section.

        OpenAI clients point their base URL at http://HOST:PORT/v1.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = verb == "serve" && args.Length > 0 && args[0] == "serve" ? args[1..] : verb == "serve" ? args : args[1..];
        if (verb == "spans")
        {
            // Its own help and flags (SpansCli.cs).
            return await SpansCli.RunAsync(rest, Console.Out, Console.Error).ConfigureAwait(false);
        }
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        if (args.Contains("--version"))
        {
            Console.Out.WriteLine("gateway " + Version);
            return 0;
        }
        switch (verb)
        {
            case "serve":
                return await ServeAsync(rest).ConfigureAwait(false);
            case "config" when rest.Length == 2 && rest[0] == "check":
                return CheckConfig(rest[1], Console.Out, Console.Error);
            case "config" when rest.Length == 1 && rest[0] == "print-default":
                return PrintDefaultConfig(Console.Out);
            default:
                Console.Error.WriteLine($"gateway: unknown command '{string.Join(' ', args)}'. See 'gateway --help'.");
                return 2;
        }
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

    private static async Task<int> ServeAsync(string[] args)
    {
        string? configFile = Environment.GetEnvironmentVariable("GATEWAY_CONFIG");
        string? urls = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length: configFile = args[++i]; break;
                case "--urls" when i + 1 < args.Length: urls = args[++i]; break;
                default:
                    if (args[i].StartsWith("--config=", StringComparison.Ordinal)) configFile = args[i]["--config=".Length..];
                    else if (args[i].StartsWith("--urls=", StringComparison.Ordinal)) urls = args[i]["--urls=".Length..];
                    else
                    {
                        Console.Error.WriteLine($"gateway serve: unknown option '{args[i]}'. See 'gateway --help'.");
                        return 2;
                    }
                    break;
            }
        }
        GatewayConfig config;
        try
        {
            config = string.IsNullOrEmpty(configFile) ? ConfigLoader.LoadDefault() : ConfigLoader.LoadFile(configFile);
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors) Console.Error.WriteLine(error);
            return 1;
        }
        urls ??= Environment.GetEnvironmentVariable("ASPNETCORE_URLS");
        if (string.IsNullOrWhiteSpace(urls)) urls = config.Server.Listen ?? "http://127.0.0.1:8080";

        GatewayApp app;
        try
        {
            app = await GatewayApp.StartAsync(config, urls).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            // Invalid OTEL_* environment (tracing export): as fatal as a bad config file.
            foreach (var error in e.Errors) Console.Error.WriteLine(error);
            return 1;
        }
        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        return 0;
    }
}
