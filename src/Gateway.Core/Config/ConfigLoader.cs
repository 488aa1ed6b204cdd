using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Turns a YAML file into a validated <see cref="GatewayConfig"/>, or a list of file:line errors: the file is
/// bound to <see cref="ConfigFile"/> (<see cref="YamlBinder"/>), then each section is checked and resolved.
/// </summary>
internal static class ConfigLoader
{
    public const string EmbeddedSource = "<embedded default>";

    public static GatewayConfig LoadFile(string path, Func<string, string?>? getEnv = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot read the file: {e.Message}"]);
        }
        return Load(text, path, getEnv, fromFile: true);
    }

    /// <summary>The configuration used when no file is given: the mock models, plus OpenAI's when OPENAI_API_KEY is set.</summary>
    public static GatewayConfig LoadDefault(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        return Load(DefaultConfig.Yaml(DefaultIncludesOpenAI(getEnv)), EmbeddedSource, getEnv);
    }

    /// <summary>Whether the embedded default serves OpenAI's models (openai-main/...): OPENAI_API_KEY is set.</summary>
    public static bool DefaultIncludesOpenAI(Func<string, string?> getEnv) => !string.IsNullOrEmpty(getEnv("OPENAI_API_KEY"));

    /// <param name="fromFile">The text is <paramref name="file"/>'s content (then the gateway watches it for live reload).</param>
    public static GatewayConfig Load(string text, string file, Func<string, string?>? getEnv = null, bool fromFile = false)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException([$"{file}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}"]);
        }
        var errors = new ConfigErrors(file);
        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        var sections = root is null or YamlScalarNode { Value: null or "" } ? null : new YamlBinder(errors, getEnv).Bind(root, ConfigJsonContext.File.ConfigFile);
        sections ??= new ConfigFile();

        var server = sections.Server ?? new();
        server.Check(errors, "server");
        var tracing = sections.Tracing ?? new();
        tracing.Check(errors, "tracing");
        var limitsStore = sections.LimitsStore ?? new();
        limitsStore.Check(errors, "limits_store");
        var providers = ProvidersReader.Read(errors, sections.Providers ?? []);
        // Routing refers to provider models (and rules to virtual models), so it is read after them wherever it sits in the file.
        var models = new ModelIndex(providers);
        var virtualModels = RoutingConfigReader.ReadVirtualModels(errors, sections.VirtualModels ?? [], models);
        var routing = sections.Routing is { } r ? RoutingConfigReader.ReadRouting(errors, r, models) : RoutingConfig.Empty;
        var aliases = ModelAliasesReader.Read(errors, sections.ModelAliases, models);
        var config = new GatewayConfig
        {
            Source = file,
            SourceIsFile = fromFile,
            Server = server,
            Providers = providers,
            ApiKeys = AuthConfigReader.Read(errors, sections.Auth?.ApiKeys ?? []),
            VirtualModels = virtualModels,
            Routing = routing,
            Tracing = tracing,
            TracingProjects = sections.TracingProjects is { } t ? TracingProjectsConfigReader.Read(errors, t) : TracingProjectsConfig.Empty,
            SpanStore = (sections.SpanStore ?? new()).Checked(errors, "span_store"),
            RateLimiting = sections.RateLimiting is { } rl ? LimitsConfigReader.ReadRateLimiting(errors, rl, models) : RateLimitingConfig.Empty,
            LimitsStore = limitsStore,
            Budgets = sections.BudgetLimiting is { } bl ? LimitsConfigReader.ReadBudgets(errors, bl, models) : BudgetLimitingConfig.Empty,
            ModelAliases = aliases,
            Mcp = McpConfigReader.Read(errors, sections.McpServers, sections.McpAllowedUrls),
            Guardrails = sections.Guardrails is { } g ? GuardrailsConfigReader.Read(errors, g, models, providers) : GuardrailsConfig.Empty,
        };
        if (providers.Count == 0 && errors.Count == 0) errors.Add("providers", "at least one provider is required");
        if (errors.Count > 0) throw new ConfigException(errors.Messages());
        return config;
    }
}
