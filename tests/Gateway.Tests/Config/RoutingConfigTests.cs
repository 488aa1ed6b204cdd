using Gateway.Config;

namespace Gateway.Tests.Config;

public sealed class RoutingConfigTests
{
    [Fact]
    public void FullShape_Parses()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            virtual_models:
              - name: team/chat
                model_types: [chat]
                routing_config:
                  type: weight-based-routing
                  load_balance_targets:
                    - target: a/m
                      weight: 70
                      retry_config: {attempts: 1, delay: 50, on_status_codes: ["429", 503]}
                      fallback_status_codes: [500]
                      override_params: {temperature: 0.2, max_tokens: 512, stop: ["x"], user: "quoted", flag: true}
                    - target: b/m
                      weight: 30
                      fallback_candidate: false
              - name: fast
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: b/m
                      priority: 1
                      sla_cutoff: {time_per_output_token_ms: 30}
                    - target: a/m
                      priority: 0
            routing:
              health: {failure_threshold: 2, cooldown_ms: 500}
              rules:
                - id: eng
                  type: latency-based-routing
                  when: {subjects: [team:eng, user:bob@x.com], models: [team/chat], metadata: {env: prod}}
                  load_balance_targets:
                    - target: a/m
                    - target: b/m
            """);

        Assert.Equal(2, config.VirtualModels.Count);
        var vm = config.VirtualModels[0];
        Assert.Equal("team/chat", vm.Name);
        Assert.Equal(RoutingStrategy.Weight, vm.Routing.Strategy);
        var first = vm.Routing.Targets[0];
        Assert.Equal(70, first.Weight);
        Assert.Equal(1, first.Retry.Attempts);
        Assert.Equal(50, first.Retry.DelayMs);
        Assert.True(first.Retry.OnStatusCodes.SetEquals([429, 503]));
        Assert.True(first.FallbackStatusCodes.SetEquals([500]));
        Assert.Equal(
            ["temperature=0.2", "max_tokens=512", "stop=[\"x\"]", "user=\"quoted\"", "flag=true"],
            first.OverrideParams.Select(p => p.Key + "=" + System.Text.Encoding.UTF8.GetString(p.Value)));
        var second = vm.Routing.Targets[1];
        Assert.False(second.FallbackCandidate);
        Assert.Equal(2, second.Retry.Attempts); // the reference's defaults
        Assert.Equal(100, second.Retry.DelayMs);
        Assert.True(second.FallbackStatusCodes.SetEquals([401, 403, 404, 429, 500, 502, 503]));

        Assert.Equal(ModelTypes.Chat, config.VirtualModels[1].Types);
        Assert.Equal(30, config.VirtualModels[1].Routing.Targets[0].SlaCutoff!.TimePerOutputTokenMs);

        var rule = Assert.Single(config.Routing.Rules);
        Assert.Equal("eng", rule.Id);
        Assert.Equal(["team:eng", "user:bob@x.com"], rule.When.Subjects);
        Assert.Equal("prod", rule.When.Metadata["env"]);
        Assert.Equal(2, config.Routing.Health.FailureThreshold);
        Assert.Equal(500, config.Routing.Health.CooldownMs);
    }

    [Fact]
    public void RoutingBeforeProviders_IsStillCheckedAgainstThem()
    {
        var config = ConfigText.Load("""
            virtual_models:
              - name: v
                routing_config: {type: latency-based, load_balance_targets: [{target: a/m}]}

            """ + ConfigText.Providers);
        Assert.Single(config.VirtualModels);
    }

    [Theory]
    [InlineData("target: a/nope\n          weight: 100", "test.yaml:6:19: virtual_models[0].routing_config.load_balance_targets[0].target: unknown target 'a/nope' (expected one of: a/e, a/m, b/m)")]
    [InlineData("target: a/m\n          weight: 90", "test.yaml:6:9: virtual_models[0].routing_config.load_balance_targets: weights must sum to 100, got 90")]
    [InlineData("target: a/m", "test.yaml:6:9: virtual_models[0].routing_config.load_balance_targets: weight-based routing needs a weight (0-100) on every target")]
    [InlineData("target: a/m\n          weight: 100\n          sla_cutoff: {time_per_output_token_ms: 5}", "test.yaml:8:23: virtual_models[0].routing_config.load_balance_targets[0].sla_cutoff: sla_cutoff applies to priority-based-routing only")]
    [InlineData("target: a/m\n          weight: 100\n          override_params: {model: x}", "test.yaml:8:29: virtual_models[0].routing_config.load_balance_targets[0].override_params.model: 'model' cannot be overridden")]
    [InlineData("target: a/m\n          weight: 100\n          retry_config: {attempts: 11}", "test.yaml:8:36: virtual_models[0].routing_config.load_balance_targets[0].retry_config.attempts: must be between 0 and 10, got 11")]
    [InlineData("target: a/m\n          weight: 100\n          fallback_status_codes: [\"42\"]", "test.yaml:8:35: virtual_models[0].routing_config.load_balance_targets[0].fallback_status_codes[0]: must be between 100 and 599, got 42")]
    [InlineData("target: a/m\n          weigth: 100", "test.yaml:7:11: virtual_models[0].routing_config.load_balance_targets[0].weigth: unknown field (expected one of: target, weight, priority, sla_cutoff, retry_config, fallback_status_codes, fallback_candidate, override_params)")]
    public void VirtualModelTarget_Errors(string target, string expected)
    {
        var errors = ConfigText.Errors($$"""
            virtual_models:
              - name: v
                routing_config:
                  type: weight-based-routing
                  load_balance_targets:
                    - {{target}}

            """ + ConfigText.Providers);
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void VirtualModel_NameAndTypeErrors()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            virtual_models:
              - name: a/m
                routing_config: {type: round-robin, load_balance_targets: [{target: a/m}]}
              - name: v
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: a/m}, {target: a/m}]}
              - name: v
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: b/m}]}
              - name: emb
                model_types: [embedding]
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: b/m}, {target: a/m}]}
              - name: mixed
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: b/m}, {target: a/e}]}
              - name: w
                routing_config: {type: priority-based-routing, load_balance_targets: []}
              - name: x
                routing_config: {type: latency-based-routing, load_balance_targets: [{target: v}]}
            """);
        Assert.Equal(
        [
            "test.yaml:12:11: virtual_models[0].name: 'a/m' is already a provider model",
            "test.yaml:13:28: virtual_models[0].routing_config.type: unknown routing type 'round-robin' (expected weight-based-routing, latency-based-routing or priority-based-routing)",
            "test.yaml:15:98: virtual_models[1].routing_config.load_balance_targets[1].target: duplicate target 'a/m'",
            "test.yaml:16:11: virtual_models[2].name: duplicate virtual model 'v'",
            "test.yaml:19:18: virtual_models[3].model_types: target 'b/m' does not serve embedding; target 'a/m' does not serve embedding",
            "test.yaml:22:73: virtual_models[4].routing_config.load_balance_targets: the targets share no model type (chat, completion, embedding)",
            "test.yaml:24:74: virtual_models[5].routing_config.load_balance_targets: at least one target is required",
            "test.yaml:26:83: virtual_models[6].routing_config.load_balance_targets[0].target: unknown target 'v' (targets must be provider models, not virtual models)",
        ], errors);
    }

    [Fact]
    public void Rule_Errors()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + """

            routing:
              type: gateway-rate-limiting-config
              rules:
                - type: weight-based-routing
                  load_balance_targets: [{target: a/m, weight: 100}]
                - id: r
                  type: latency-based-routing
                  when: {subjects: [group:x, "user:"], models: [nope], metadata: {env: [1]}}
                  load_balance_targets: [{target: a/m}]
                - id: ok
                  type: latency-based-routing
                  load_balance_targets: [{target: a/m}]
                - id: ok
                  type: priority-based-routing
                  load_balance_targets: [{target: a/m}]
                - id: s
                  type: latency-based-routing
              health: {cooldown_ms: 0}
            """);
        Assert.Equal(
        [
            "test.yaml:12:9: routing.type: expected gateway-load-balancing-config, got 'gateway-rate-limiting-config'",
            "test.yaml:14:7: routing.rules[0].id: required (it shows up on spans as applied_loadbalance_rule_ids)",
            "test.yaml:18:25: routing.rules[1].when.subjects[0]: 'group:x' must be user:<slug>, team:<name> or virtualaccount:<slug>",
            "test.yaml:18:34: routing.rules[1].when.subjects[1]: 'user:' must be user:<slug>, team:<name> or virtualaccount:<slug>",
            "test.yaml:18:53: routing.rules[1].when.models[0]: unknown model 'nope' (expected a provider model or a virtual model)",
            "test.yaml:18:76: routing.rules[1].when.metadata.env: expected a string",
            "test.yaml:23:11: routing.rules[3].id: duplicate rule id 'ok'",
            "test.yaml:26:7: routing.rules[4].load_balance_targets: required: at least one target",
            "test.yaml:28:25: routing.health.cooldown_ms: must be between 1 and 3600000, got 0",
        ], errors);
    }

    [Fact]
    public void PriorityDefaultsToListPosition()
    {
        var config = ConfigText.Load(ConfigText.Providers + """

            virtual_models:
              - name: p
                routing_config: {type: priority-based-routing, load_balance_targets: [{target: b/m}, {target: a/m}]}
            """);
        Assert.Equal([0, 1], config.VirtualModels[0].Routing.Targets.Select(t => t.Priority));
    }
}
