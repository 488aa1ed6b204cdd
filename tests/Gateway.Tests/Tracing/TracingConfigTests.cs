using Gateway.Config;

namespace Gateway.Tests.Tracing;

public sealed class TracingConfigTests
{
    private const string Providers = """
        providers:
          - name: mock
            type: mock
            models: [echo]
        """;

    [Fact]
    public void Defaults_CaptureOn_64KiChars_DefaultProject()
    {
        var config = ConfigLoader.Load(Providers, "t.yaml", _ => null);

        Assert.True(config.Tracing.CaptureContent);
        Assert.Equal(64 * 1024, config.Tracing.MaxContentChars);
        Assert.Equal("default:tracing-project:default", config.Tracing.DefaultProjectFqn);
    }

    [Fact]
    public void Section_IsRead_WithEnvInterpolation()
    {
        var config = ConfigLoader.Load("""
            tracing:
              capture_content: false
              max_content_chars: 2048
              default_project_fqn: ${PROJECT}
            """ + "\n" + Providers, "t.yaml", name => name == "PROJECT" ? "acme:tracing-project:prod" : null);

        Assert.False(config.Tracing.CaptureContent);
        Assert.Equal(2048, config.Tracing.MaxContentChars);
        Assert.Equal("acme:tracing-project:prod", config.Tracing.DefaultProjectFqn);
    }

    [Fact]
    public void Errors_NameFileLineAndField()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load("""
            tracing:
              capture_content: sometimes
              max_content_chars: 5
              default_project_fqn: ""
              sample_rate: 1
            """ + "\n" + Providers, "t.yaml", _ => null));

        Assert.Contains("t.yaml:2:20: tracing.capture_content: expected true or false, got 'sometimes'", e.Errors);
        Assert.Contains(e.Errors, x => x.StartsWith("t.yaml:3:22: tracing.max_content_chars: must be between 16 and", StringComparison.Ordinal));
        Assert.Contains("t.yaml:4:24: tracing.default_project_fqn: must not be empty", e.Errors);
        Assert.Contains(e.Errors, x => x.StartsWith("t.yaml:5:3: tracing.sample_rate: unknown field", StringComparison.Ordinal));
    }
}
