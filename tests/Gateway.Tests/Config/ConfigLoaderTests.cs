using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class ConfigLoaderTests
{
    private static string? NoEnv(string _) => null;

    private static IReadOnlyList<string> Errors(string yaml, Func<string, string?>? env = null)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(yaml, "gw.yaml", env ?? NoEnv));
        return e.Errors;
    }

    [Fact]
    public void ValidConfig_Loads()
    {
        var config = ConfigLoader.Load("""
            server:
              listen: http://0.0.0.0:9000
              request_timeout_ms: 5000
            providers:
              - name: openai-main
                type: openai
                base_url: https://api.openai.com/v1/
                api_key: ${KEY}
                models:
                  - gpt-4o
                  - name: mini
                    upstream_model: gpt-4o-mini
                    price: {input_per_million_tokens: 1, output_per_million_tokens: 2}
            """, "gw.yaml", name => name == "KEY" ? "sk-123" : null);
        var provider = Assert.Single(config.Providers);
        Assert.Equal("https://api.openai.com/v1", provider.BaseUrl);
        Assert.Equal("sk-123", provider.ApiKey);
        Assert.Equal(5000, config.Server.RequestTimeoutMs);
        Assert.Equal("gpt-4o", provider.Models[0].UpstreamModel);
        Assert.Equal(2.5, provider.Models[0].InputPricePerMillion); // well-known default
        Assert.Equal("gpt-4o-mini", provider.Models[1].UpstreamModel);
        Assert.Equal(2, provider.Models[1].OutputPricePerMillion);
    }

    [Fact]
    public void UnknownField_NamesFileLineAndField()
    {
        var errors = Errors("""
            providers:
              - name: a
                type: openai
                base_ulr: http://x
                models: [m]
            """);
        Assert.Contains(errors, e => e.StartsWith("gw.yaml:4:5: providers[0].base_ulr: unknown field", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("providers[0].base_url: required", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingEnvironmentVariable_IsAnErrorWithItsLine()
    {
        var errors = Errors("""
            providers:
              - name: a
                type: openai
                base_url: http://x
                api_key: ${NOPE}
                models: [m]
            """);
        var error = Assert.Single(errors);
        Assert.StartsWith("gw.yaml:5:14: providers[0].api_key: environment variable 'NOPE' is not set", error);
    }

    [Fact]
    public void EnvDefault_IsUsedWhenUnset()
    {
        var config = ConfigLoader.Load("""
            providers:
              - name: a
                type: openai
                base_url: ${BASE:-http://127.0.0.1:1/v1}
                models: [m]
            """, "gw.yaml", NoEnv);
        Assert.Equal("http://127.0.0.1:1/v1", config.Providers[0].BaseUrl);
    }

    [Theory]
    [InlineData("server:\n  request_timeout_ms: soon\nproviders: []", "gw.yaml:2:23: server.request_timeout_ms: expected an integer, got 'soon'")]
    [InlineData("server:\n  max_request_body_bytes: 1\nproviders: []", "gw.yaml:2:27: server.max_request_body_bytes: must be between 1024")]
    [InlineData("server:\n  max_request_body_bytes: 1073741825\nproviders: []", "gw.yaml:2:27: server.max_request_body_bytes: must be between 1024 and 1073741824, got 1073741825")]
    [InlineData("server:\n  max_request_body_bytes: 4294967296\nproviders: []", "gw.yaml:2:27: server.max_request_body_bytes: must be between 1024 and 1073741824, got 4294967296")]
    [InlineData("providers:\n  - name: A\n    type: mock\n    models: [m]", "gw.yaml:2:11: providers[0].name: 'A' must be lowercase")]
    [InlineData("providers:\n  - name: a\n    type: grpc\n    models: [m]", "gw.yaml:3:11: providers[0].type: unknown provider type 'grpc'")]
    [InlineData("providers:\n  - name: a\n    type: openai\n    base_url: ftp://x\n    models: [m]", "gw.yaml:4:15: providers[0].base_url: 'ftp://x' is not an absolute http(s) URL")]
    [InlineData("providers:\n  - name: a\n    type: mock\n    models: [m, m]", "gw.yaml:4:17: providers[0].models[1]: duplicate model name 'm'")]
    [InlineData("providers:\n  - name: a\n    type: mock\n    models: [{name: m, types: [chat, video]}]", "providers[0].models[0].types[1]: unknown model type 'video'")]
    [InlineData("providers: {a: 1}", "gw.yaml:1:12: providers: expected a list")]
    [InlineData("providers:\n  - name: a\n    type: mock\n    models: [m]\n  - name: a\n    type: mock\n    models: [n]", "providers[1].name: duplicate provider name 'a'")]
    [InlineData("providers: [\n", "gw.yaml:2:1: invalid YAML")]
    [InlineData("server: 5\nproviders: []", "gw.yaml:1:9: server: expected a mapping")]
    [InlineData("server:\n  request_timeout_ms: 99999999999\nproviders: []", "gw.yaml:2:23: server.request_timeout_ms: expected a 32-bit integer, got '99999999999'")]
    [InlineData("colour: blue\nproviders: []", "gw.yaml:1:1: colour: unknown field (expected one of: server, providers, auth, virtual_models, routing, tracing, tracing_projects, span_store, rate_limiting, budget_limiting, limits_store, model_aliases, guardrails, mcp_servers, mcp_allowed_urls)")]
    public void InvalidValues_AreReportedPrecisely(string yaml, string expected)
    {
        var errors = Errors(yaml);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AllErrorsAreReportedAtOnce()
    {
        var errors = Errors("""
            server:
              sse_keepalive_ms: -1
              colour: blue
            providers:
              - name: a
                type: openai
                models: []
            """);
        Assert.True(errors.Count >= 3, string.Join("\n", errors));
    }

    [Fact]
    public void EmbeddedDefault_ServesMockModels_AndOpenAIWhenKeyIsSet()
    {
        var plain = ConfigLoader.LoadDefault(NoEnv);
        Assert.Equal(["mock"], plain.Providers.Select(p => p.Name));
        var withKey = ConfigLoader.LoadDefault(name => name == "OPENAI_API_KEY" ? "sk-x" : null);
        Assert.Contains(withKey.Providers, p => p.Name == "openai-main" && p.ApiKey == "sk-x" && p.BaseUrl == "https://api.openai.com/v1");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a${X}b", "a1b")]
    [InlineData("$${X}", "${X}")]
    [InlineData("${UNSET:-d}", "d")]
    [InlineData("cost $5", "cost $5")]
    public void Interpolation(string input, string expected)
    {
        Assert.True(EnvInterpolation.TryExpand(input, n => n == "X" ? "1" : null, out var result, out _));
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("${X")]
    [InlineData("${1BAD}")]
    [InlineData("${UNSET}")]
    public void Interpolation_Errors(string input)
    {
        Assert.False(EnvInterpolation.TryExpand(input, _ => null, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void MaxRequestBodyBytes_AcceptsOneGibibyte()
    {
        var config = ConfigLoader.Load("server:\n  max_request_body_bytes: 1073741824\nproviders:\n  - {name: m, type: mock, models: [x]}", "gw.yaml", NoEnv);
        Assert.Equal(1L << 30, config.Server.MaxRequestBodyBytes);
    }

    [Fact]
    public void TimeoutHeaders_MayOnlyLowerTheTimeouts_UnlessTheSwitchIsOn()
    {
        const string providers = "providers:\n  - {name: m, type: mock, models: [x]}";
        Assert.False(ConfigLoader.Load(providers, "gw.yaml", NoEnv).Server.AllowTimeoutIncreaseByHeader);
        Assert.True(ConfigLoader.Load("server:\n  allow_timeout_increase_by_header: true\n" + providers, "gw.yaml", NoEnv).Server.AllowTimeoutIncreaseByHeader);
        Assert.Contains(Errors("server:\n  allow_timeout_increase_by_header: sometimes\n" + providers), e => e.StartsWith("gw.yaml:2:37: server.allow_timeout_increase_by_header:", StringComparison.Ordinal));
    }

    [Fact]
    public void PartialSections_KeepTheRecordDefaults_ForWhatTheyLeaveOut()
    {
        var config = ConfigLoader.Load("""
            server: {listen: http://127.0.0.1:9000}
            tracing: {capture_content: false}
            span_store: {enabled: false}
            routing: {health: {failure_threshold: 2}}
            providers:
              - {name: m, type: mock, models: [x]}
            virtual_models:
              - name: v
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: m/x, retry_config: {attempts: 1}}]}
            """, "gw.yaml", NoEnv);
        Assert.Equal(new ServerOptions { Listen = "http://127.0.0.1:9000" }, config.Server);
        Assert.Equal(new TracingOptions { CaptureContent = false }, config.Tracing);
        Assert.Equal(new SpanStoreConfig { Enabled = false }, config.SpanStore);
        Assert.Equal(new HealthOptions { FailureThreshold = 2 }, config.Routing.Health);
        Assert.Equal(ProviderConfig.DefaultTokenDelayMs, config.Providers[0].TokenDelayMs);
        Assert.Equal(ProviderConfig.DefaultConnectTimeoutMs, config.Providers[0].ConnectTimeoutMs);
        var target = config.VirtualModels[0].Routing.Targets[0];
        Assert.Equal((1, RetryConfig.Default.DelayMs), (target.Retry.Attempts, target.Retry.DelayMs));
        Assert.Same(RetryConfig.Default.OnStatusCodes, target.Retry.OnStatusCodes);
        Assert.True(target.FallbackCandidate);
    }

    [Fact]
    public void Scalars_TakeTheirFieldsType_NotYamlsGuess()
    {
        var config = ConfigLoader.Load("""
            providers:
              - name: a
                type: openai
                base_url: http://127.0.0.1:1/v1
                api_key: 0123
                headers: {X-Version: 2.0}
                models: [m]
            span_store: {enabled: "false", max_rows: "1_000"}
            auth:
              api_keys:
                - key: ${KEY}
                  subject: user:a@x.com
                  tenant: 42
            """, "gw.yaml", name => name == "KEY" ? "12345678" : null);
        Assert.Equal("0123", config.Providers[0].ApiKey);
        Assert.Equal("2.0", config.Providers[0].Headers["x-version"]);
        Assert.False(config.SpanStore.Enabled);
        Assert.Equal(1_000, config.SpanStore.MaxRows);
        Assert.Equal("42", config.ApiKeys[0].Subject.Tenant);
    }

    [Fact]
    public void OverrideParams_ReachTheUpstreamAsWritten()
    {
        var config = ConfigLoader.Load("""
            providers:
              - {name: m, type: mock, models: [x]}
            virtual_models:
              - name: v
                routing_config:
                  type: latency-based-routing
                  load_balance_targets:
                    - target: m/x
                      override_params: {user: "café <b>'x'</b>", n: 2, stop: ~}
            """, "gw.yaml", NoEnv);
        Assert.Equal(
            ["user=\"café <b>'x'</b>\"", "n=2", "stop=null"],
            config.VirtualModels[0].Routing.Targets[0].OverrideParams.Select(p => p.Key + "=" + System.Text.Encoding.UTF8.GetString(p.Value)));
    }
}
