using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Guardrails;

/// <summary>
/// A webhook guardrail served by a real HTTP server in the test: its request body, each answer (pass, block,
/// mutate), a server slower than the timeout and a 500 under each enforcing strategy; and moderation through a
/// provider's /v1/moderations.
/// </summary>
public sealed class WebhookGuardrailTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private FakeUpstream _webhook = null!;
    private GatewayUnderTest? _gateway;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _webhook = await FakeUpstream.StartAsync();
        _upstream.Handler = (ctx, _) => FakeResponses.Completion(ctx, "fine");
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private async Task<GatewayUnderTest> StartAsync(string strategy = "enforce", int timeoutMs = 2000)
    {
        _gateway = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: fake
                type: openai
                base_url: {{_upstream.BaseUrl}}
                api_key: sk-test
                models: [gpt-4o]
            guardrails:
              configs:
                - name: hook
                  type: webhook
                  operation: mutate
                  enforcing_strategy: {{strategy}}
                  url: {{_webhook.Origin}}/check
                  timeout_ms: {{timeoutMs}}
                  headers: {Authorization: Bearer hook-secret}
              rules:
                - {id: hooked, llm_input_guardrails: [hook]}
            """);
        return _gateway;
    }

    private static Func<HttpContext, byte[], Task> Answer(string json) => async (ctx, _) =>
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json);
    };

    [Fact]
    public async Task Pass_sends_the_documented_body_and_the_network_call_span_nests_under_the_guardrail_span()
    {
        var gateway = await StartAsync();
        _webhook.Handler = Answer("""{"result":"pass"}""");
        var trace = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        using var response = await GuardrailTests.Send(gateway, "hello there", trace: trace);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = _webhook.Requests.Single();
        Assert.Equal("POST", call.Method);
        Assert.Equal("/check", call.Path);
        Assert.Equal("Bearer hook-secret", call.Headers["Authorization"]);
        var body = JsonDocument.Parse(call.BodyText).RootElement;
        Assert.Equal("llm_input_guardrails", body.GetProperty("hook").GetString());
        Assert.Equal("hook", body.GetProperty("guardrail").GetString());
        Assert.Equal(["hello there"], body.GetProperty("content").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("user:", body.GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Object, body.GetProperty("metadata").ValueKind);
        Assert.Equal("fake/gpt-4o", body.GetProperty("entity").GetProperty("id").GetString());
        Assert.StartsWith($"00-{trace}-", call.Headers["traceparent"]);

        var spans = await gateway.WaitForStoredSpansAsync(SpanQueries.TraceFilter(trace), 5);
        var guardrail = spans.Single(s => s.GetProperty("spanName").GetString() == "Guardrail");
        Assert.Equal("pass", guardrail.GetProperty("spanAttributes").GetProperty("tfy.guardrail.result").GetString());
        var network = spans.Single(s => s.GetProperty("spanName").GetString() == "Guardrail Network Call");
        Assert.Equal(guardrail.GetProperty("spanId").GetString(), network.GetProperty("parentSpanId").GetString());
        Assert.Equal(200, network.GetProperty("spanAttributes").GetProperty("http.response.status_code").GetInt32());
        // The request's subject and project, taken from its in-process parent: a span started from the parent's
        // context alone had neither (stored in the default project of every span store in the process).
        Assert.Equal(JsonValueKind.Object, guardrail.GetProperty("createdBySubject").ValueKind);
        Assert.Equal(guardrail.GetProperty("createdBySubject").ToString(), network.GetProperty("createdBySubject").ToString());
        Assert.Equal(guardrail.GetProperty("tracingProjectFqn").GetString(), network.GetProperty("tracingProjectFqn").GetString());
    }

    [Fact]
    public async Task Block_answers_400_with_the_webhooks_reason()
    {
        var gateway = await StartAsync();
        _webhook.Handler = Answer("""{"result":"block","reason":"topic not allowed"}""");

        using var response = await GuardrailTests.Send(gateway, "hello");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await GuardrailTests.ErrorOf(response);
        Assert.Equal("guardrail_violation", error.GetProperty("code").GetString());
        Assert.Equal("The request was blocked by guardrail 'hook': topic not allowed.", error.GetProperty("message").GetString());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Mutate_replaces_the_text_the_upstream_sees()
    {
        var gateway = await StartAsync();
        _webhook.Handler = Answer("""{"result":"mutate","content":["rewritten \"safely\""]}""");

        using var response = await GuardrailTests.Send(gateway, "original");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonDocument.Parse(_upstream.Requests.Single().BodyText).RootElement;
        Assert.Equal("rewritten \"safely\"", sent.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("enforce", 503)]
    [InlineData("enforce_but_ignore_on_error", 200)]
    [InlineData("audit", 200)]
    public async Task A_500_follows_the_enforcing_strategy(string strategy, int status)
    {
        var gateway = await StartAsync(strategy);
        _webhook.Handler = (ctx, _) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };

        using var response = await GuardrailTests.Send(gateway, "hello");

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        if (status == 503)
        {
            var error = await GuardrailTests.ErrorOf(response);
            Assert.Equal("guardrail_unavailable", error.GetProperty("code").GetString());
            Assert.Equal("Guardrail 'hook' could not be evaluated (webhook answered HTTP 500) and its enforcing strategy is enforce.", error.GetProperty("message").GetString());
            Assert.Empty(_upstream.Requests);
        }
        else
        {
            Assert.Single(_upstream.Requests);
        }
    }

    [Theory]
    [InlineData("enforce", 503)]
    [InlineData("enforce_but_ignore_on_error", 200)]
    public async Task A_webhook_slower_than_its_timeout_has_failed(string strategy, int status)
    {
        // 1 s, not less: on a loaded machine a shorter timeout ran out before the webhook server had read the
        // request, so there was no call left for it to see cancelled (3 of 20 AOT runs at 200 ms).
        var gateway = await StartAsync(strategy, timeoutMs: 1000);
        // Answers only when the gateway gives up on it.
        _webhook.Handler = (ctx, _) => Task.Delay(Timeout.Infinite, ctx.RequestAborted);

        using var response = await GuardrailTests.Send(gateway, "hello");

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        if (status == 503) Assert.Contains("webhook did not answer within 1000 ms", (await GuardrailTests.ErrorOf(response)).GetProperty("message").GetString());
        await Poll.UntilAsync(() => Task.FromResult(_webhook.AbortedRequests == 1), "the gateway cancelled the webhook call");
    }

    [Fact]
    public async Task Moderation_blocks_what_the_providers_moderations_endpoint_flags()
    {
        _gateway = await GatewayUnderTest.StartAsync($$"""
            providers:
              - name: fake
                type: openai
                base_url: {{_upstream.BaseUrl}}
                api_key: sk-test
                models: [gpt-4o]
            guardrails:
              configs:
                - {name: mod, type: moderation, provider: fake, model: omni-moderation-latest, threshold: 0.8, categories: [violence]}
              rules:
                - {id: moderated, llm_input_guardrails: [mod]}
            """);
        _upstream.Handler = (ctx, body) =>
        {
            if (ctx.Request.Path != "/v1/moderations") return FakeResponses.Completion(ctx, "fine");
            var input = JsonDocument.Parse(body).RootElement.GetProperty("input")[0].GetString();
            var violence = input!.Contains("fight", StringComparison.Ordinal) ? 0.9 : 0.1;
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync($$$"""{"id":"modr-1","model":"omni-moderation-latest","results":[{"flagged":true,"categories":{"violence":true,"hate":true},"category_scores":{"violence":{{{violence}}},"hate":0.95}}]}""");
        };

        using (var calm = await GuardrailTests.Send(_gateway, "a calm day")) Assert.Equal(HttpStatusCode.OK, calm.StatusCode);
        using var flagged = await GuardrailTests.Send(_gateway, "let us fight");

        Assert.Equal(HttpStatusCode.BadRequest, flagged.StatusCode);
        // Only the configured category counts; hate scored high but is not in categories.
        Assert.Equal("The request was blocked by guardrail 'mod': moderation flagged violence.", (await GuardrailTests.ErrorOf(flagged)).GetProperty("message").GetString());
        var moderation = _upstream.Requests.First(r => r.Path == "/v1/moderations");
        Assert.Equal("Bearer sk-test", moderation.Headers["Authorization"]);
        Assert.Equal("omni-moderation-latest", JsonDocument.Parse(moderation.BodyText).RootElement.GetProperty("model").GetString());
    }
}
