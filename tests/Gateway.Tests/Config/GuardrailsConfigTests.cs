using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class GuardrailsConfigTests
{
    private const string Providers = """
        providers:
          - name: a
            type: mock
            models: [m]
          - name: oa
            type: openai
            base_url: http://127.0.0.1:1/v1
            models: [gpt]
        """;

    [Fact]
    public void Full_shape_parses()
    {
        var config = ConfigText.Load(Providers + """

            guardrails:
              name: guards
              type: gateway-guardrails-config
              configs:
                - {name: pii-group/pii-redaction, type: pii, operation: mutate, entities: [email, credit_card]}
                - {name: words, type: deny_list, keywords: [secret project], patterns: ["acme-\\d+"], enforcing_strategy: audit}
                - {name: short, type: max_length, max_tokens: 1000}
                - {name: injection, type: prompt_injection, threshold: 0.8, enforcing_strategy: enforce_but_ignore_on_error}
                - {name: hook, type: webhook, url: "http://127.0.0.1:9/check", timeout_ms: 500, headers: {Authorization: Bearer x}}
                - {name: mod, type: moderation, provider: oa, model: omni-moderation-latest, stream_mode: hold}
              rules:
                - id: pii
                  when:
                    models: [a/m]
                    mcp_servers: [github, "github:create_issue"]
                    subjects: [team:eng]
                    metadata: {env: prod}
                  llm_input_guardrails: [pii-group/pii-redaction, words]
                  llm_output_guardrails: [mod]
                  mcp_tool_pre_invoke_guardrails: [hook]
                  mcp_tool_post_invoke_guardrails: [injection]
                - id: all
                  llm_input_guardrails: [short]
            """);

        var g = config.Guardrails;
        Assert.Equal(6, g.Configs.Count);
        var pii = g.Configs["pii-group/pii-redaction"];
        Assert.Equal(GuardrailKind.Pii, pii.Type);
        Assert.Equal(GuardrailOperation.Mutate, pii.Operation);
        Assert.Equal(EnforcingStrategy.Enforce, pii.EnforcingStrategy);
        Assert.Equal([PiiEntity.Email, PiiEntity.CreditCard], pii.Entities);
        Assert.Equal(EnforcingStrategy.Audit, g.Configs["words"].EnforcingStrategy);
        Assert.Equal(EnforcingStrategy.EnforceButIgnoreOnError, g.Configs["injection"].EnforcingStrategy);
        Assert.Equal(GuardrailStreamMode.Hold, g.Configs["mod"].StreamMode);
        Assert.Equal(500, g.Configs["hook"].TimeoutMs);
        Assert.Equal(GuardrailConfig.DefaultTimeoutMs, pii.TimeoutMs);
        Assert.Equal(["pii", "all"], g.Rules.Select(r => r.Id));
        var rule = g.Rules[0];
        Assert.Equal(["a/m"], rule.When.Models);
        Assert.Equal(["team:eng"], rule.When.Subjects);
        Assert.Equal("prod", rule.When.Metadata["env"]);
        Assert.Equal(["github", "github:create_issue"], rule.McpServers);
        Assert.Equal(["pii-group/pii-redaction", "words"], rule.For(GuardrailHook.LlmInput));
        Assert.Equal(["mod"], rule.For(GuardrailHook.LlmOutput));
        Assert.Equal(["hook"], rule.For(GuardrailHook.McpToolPreInvoke));
        Assert.Equal(["injection"], rule.For(GuardrailHook.McpToolPostInvoke));
        Assert.Same(RuleCondition.Always, g.Rules[1].When);
    }

    [Fact]
    public void Errors_name_file_line_column_and_field()
    {
        var errors = ConfigText.Errors(Providers + """

            guardrails:
              type: gateway-budget-config
              configs:
                - {name: p, type: pii, operation: redact}
                - {name: p, type: pii}
                - {type: deny_list}
                - {name: re, type: deny_list, patterns: ["(unclosed"]}
                - {name: len, type: max_length}
                - {name: hook, type: webhook, url: "ftp://x"}
                - {name: mod, type: moderation, provider: a}
                - {name: held, type: pii, operation: mutate, stream_mode: hold}
                - {name: what, type: antivirus}
              rules:
                - llm_input_guardrails: [nope]
                  when: {models: [x/y], mcp_servers: [":tool"]}
            """);

        Assert.Contains("test.yaml:10:9: guardrails.type: expected gateway-guardrails-config, got 'gateway-budget-config'", errors);
        Assert.Contains(errors, e => e.StartsWith("test.yaml:12:39: guardrails.configs[0].operation: expected validate or mutate, got 'redact'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("test.yaml:13:14: guardrails.configs[1].name: duplicate guardrail name 'p'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[2].name: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[2].keywords: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("test.yaml:15:46: guardrails.configs[3].patterns[0]: not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[4].max_chars: required: max_chars or max_tokens", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[5].url: 'ftp://x' is not an http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[6].provider: 'a' is not a configured provider of type openai", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[7].stream_mode: hold applies only to operation validate", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.configs[8].type: expected pii, deny_list, max_length, prompt_injection, webhook or moderation, got 'antivirus'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.rules[0].id: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.rules[0].llm_input_guardrails[0]: unknown guardrail 'nope'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.rules[0].when.models[0]: unknown model 'x/y'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("guardrails.rules[0].when.mcp_servers[0]: ':tool' must be <server> or <server>:<tool>", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_fields_are_errors()
    {
        var errors = ConfigText.Errors(Providers + """

            guardrails:
              configs:
                - {name: p, type: pii, entites: [email]}
            """);

        Assert.Contains(errors, e => e.StartsWith("test.yaml:11:28: guardrails.configs[0].entites: unknown field", StringComparison.Ordinal));
    }
}
