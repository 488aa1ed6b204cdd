using Gateway.Config;

namespace Gateway.Tests.Config;

/// <summary>Config snippets shared by the config tests.</summary>
internal static class ConfigText
{
    public const string Providers = """
        providers:
          - name: a
            type: mock
            models:
              - {name: m, types: [chat, completion]}
              - {name: e, types: [embedding]}
          - name: b
            type: mock
            models:
              - {name: m, types: [chat]}
        """;

    public static GatewayConfig Load(string yaml, IReadOnlyDictionary<string, string>? env = null) =>
        ConfigLoader.Load(yaml, "test.yaml", name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    /// <summary>The errors of an invalid config.</summary>
    public static IReadOnlyList<string> Errors(string yaml, IReadOnlyDictionary<string, string>? env = null)
    {
        var e = Assert.Throws<ConfigException>(() => Load(yaml, env));
        return e.Errors;
    }
}
