using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Every span of a request carries the request's subject, teams, metadata and tracing project itself, from the
/// moment it is recorded, so per-user and per-account queries find all of them: also the routing spans
/// (loadBalanceMiddleware, fallbackRequest) that end long before the root knows how the request went.
/// </summary>
public sealed class RequestAttributesOnEverySpanTests : IAsyncLifetime
{
    private const string UserKey = "sk-user-every-span";
    private const string AccountKey = "sk-va-every-span";
    private const string DefaultProject = "acme:tracing-project:default";
    private const string BotsProject = "acme:tracing-project:bots";
    /// <summary>chatCompletions, loadBalanceMiddleware, fallbackRequest, and Model + Network Call for each of the two targets.</summary>
    private const int SpansPerRequest = 7;

    private FakeUpstream _failing = null!;
    private FakeUpstream _answering = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _failing = await FakeUpstream.StartAsync();
        _answering = await FakeUpstream.StartAsync();
        _failing.Handler = FakeResponse(503, """{"error":{"message":"overloaded","type":"server_error"}}""");
        _answering.Handler = FakeResponse(200, """{"id":"b1","model":"m-b","choices":[{"index":0,"message":{"role":"assistant","content":"from b"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}}""");
        _gateway = await GatewayUnderTest.StartAsync($$"""
            auth:
              api_keys:
                - key: ${USER_KEY}
                  subject: user:example@email.com
                  teams: [eng, ml]
                - key: ${ACCOUNT_KEY}
                  subject: virtualaccount:exampleaccount
            providers:
              - name: a
                type: openai
                base_url: {{_failing.BaseUrl}}
                api_key: sk-a
                models: [{name: m, upstream_model: m-a}]
              - name: b
                type: openai
                base_url: {{_answering.BaseUrl}}
                api_key: sk-b
                models: [{name: m, upstream_model: m-b}]
            virtual_models:
              - name: vm
                routing_config:
                  type: priority-based-routing
                  load_balance_targets:
                    - target: a/m
                      priority: 0
                      retry_config: {attempts: 0}
                    - {target: b/m, priority: 1}
            tracing_projects:
              default: {{DefaultProject}}
              projects:
                - fqn: {{DefaultProject}}
                  collaborators: [team:eng]
                - fqn: {{BotsProject}}
                  collaborators: [team:eng]
                  rules:
                    - when: {subjects: [virtualaccount:exampleaccount]}
            """, new Dictionary<string, string> { ["USER_KEY"] = UserKey, ["ACCOUNT_KEY"] = AccountKey });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _answering.DisposeAsync();
        await _failing.DisposeAsync();
    }

    private static Func<Microsoft.AspNetCore.Http.HttpContext, byte[], Task> FakeResponse(int status, string body) => async (ctx, _) =>
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(ctx.Response, body);
    };

    private async Task ChatAsync(string key, string metadata)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"vm","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Add("x-tfy-metadata", metadata);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<JsonElement>> QueryAsync(string project, string filters)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/svc/v1/spans/query")
        {
            Content = new StringContent($$"""{"tracingProjectFqn":"{{project}}","startTime":"{{start}}","limit":1000{{filters}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", UserKey);
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Polls until the project holds <paramref name="count"/> spans: the store's writer is off the request path.</summary>
    private async Task WaitForStoredAsync(string project, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await QueryAsync(project, "")).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{project}: fewer than {count} spans stored");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task UserAndAccountQueries_ReturnEverySpanOfTheirRequests()
    {
        await ChatAsync(UserKey, """{"env":"prod"}""");
        await ChatAsync(UserKey, """{"env":"prod"}""");
        await ChatAsync(AccountKey, """{"env":"ci"}""");
        await WaitForStoredAsync(DefaultProject, 2 * SpansPerRequest);
        await WaitForStoredAsync(BotsProject, SpansPerRequest);

        var users = await QueryAsync(DefaultProject, ""","createdBySubjectTypes":["user"],"createdBySubjectSlugs":["example@email.com"]""");
        var accounts = await QueryAsync(BotsProject, ""","createdBySubjectTypes":["virtualaccount"],"createdBySubjectSlugs":["exampleaccount"]""");
        var prod = await QueryAsync(DefaultProject, ""","filters":[{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"}]""");

        Assert.Equal(2 * SpansPerRequest, users.Count);
        Assert.Equal(SpansPerRequest, accounts.Count);
        Assert.Equal(2 * SpansPerRequest, prod.Count);
        Assert.Equal(2, users.Count(s => s.GetProperty("spanName").GetString() == "loadBalanceMiddleware"));
        Assert.Equal(2, users.Count(s => s.GetProperty("spanName").GetString() == "fallbackRequest"));
        // Each span carries the attributes itself (as exported over OTLP too), not only through its parent.
        Assert.All(users, s =>
        {
            var attributes = s.GetProperty("spanAttributes");
            Assert.Equal("user:example@email.com", attributes.GetProperty("tfy.request.created_by_subject").GetString());
            Assert.Equal(["eng", "ml"], attributes.GetProperty("tfy.request.created_by_subject_teams").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("""{"env":"prod"}""", attributes.GetProperty("tfy.request.metadata").GetString());
            Assert.Equal(DefaultProject, attributes.GetProperty("tfy.tracing_project_fqn").GetString());
        });
        Assert.All(accounts, s =>
        {
            var attributes = s.GetProperty("spanAttributes");
            Assert.Equal("virtualaccount:exampleaccount", attributes.GetProperty("tfy.request.created_by_subject").GetString());
            Assert.False(attributes.TryGetProperty("tfy.request.created_by_subject_teams", out _));
            Assert.Equal("""{"env":"ci"}""", attributes.GetProperty("tfy.request.metadata").GetString());
            Assert.Equal(BotsProject, attributes.GetProperty("tfy.tracing_project_fqn").GetString());
        });
    }
}
