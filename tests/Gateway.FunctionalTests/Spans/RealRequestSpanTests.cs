using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// End to end with nothing in between: API keys for a user and a virtual account, real chat requests
/// through the gateway (in process or the AOT binary), the tracing listener building spans, the store
/// writing them, and the seed's queries read back over the query API.
/// </summary>
public sealed class RealRequestSpanTests : IAsyncLifetime
{
    private const string UserKey = "sk-user-example";
    private const string AccountKey = "sk-va-example";
    private const string Project = "acme:tracing-project:default";
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync($$"""
            auth:
              api_keys:
                - key: ${USER_KEY}
                  subject: user:example@email.com
                  teams: [eng]
                - key: ${ACCOUNT_KEY}
                  subject: virtualaccount:exampleaccount
            providers:
              - name: mock
                type: mock
                token_delay_ms: 1
                models: [echo]
            tracing_projects:
              default: {{Project}}
              projects:
                - fqn: {{Project}}
                  collaborators: [team:eng]
            """, new Dictionary<string, string> { ["USER_KEY"] = UserKey, ["ACCOUNT_KEY"] = AccountKey });
    }

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    private async Task ChatAsync(string key, bool stream, string? traceparent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"mock/echo","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        if (traceparent is not null) request.Headers.Add("traceparent", traceparent);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();
    }

    private async Task<(HttpStatusCode Status, List<JsonElement> Spans)> QueryAsync(string key, string filters)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/svc/v1/spans/query")
        {
            Content = new StringContent($$"""{"tracingProjectFqn":"{{Project}}","startTime":"{{start}}"{{filters}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, []);
        return (response.StatusCode, [.. JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone())]);
    }

    [Fact]
    public async Task SeedCases_OverRealRequests()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await ChatAsync(UserKey, stream: false);
        await ChatAsync(UserKey, stream: true, traceparent: $"00-{traceId}-{"b7ad6b7169203331"}-01");
        await ChatAsync(AccountKey, stream: false);

        // Three requests, three spans each (chatCompletions, Model, Network Call); the writer is off the request path.
        List<JsonElement> all = [];
        for (var i = 0; i < 200 && all.Count < 9; i++)
        {
            (_, all) = await QueryAsync(UserKey, "");
            if (all.Count < 9) await Task.Delay(50);
        }
        Assert.Equal(9, all.Count);
        Assert.All(all, s => Assert.Equal(Project, s.GetProperty("spanAttributes").GetProperty("tfy.tracing_project_fqn").GetString()));

        var (_, roots) = await QueryAsync(UserKey, ",\"parentSpanIds\":[\"\"]");
        Assert.Equal(2, roots.Count); // the third root has the client's traceparent as its parent
        Assert.All(roots, s => Assert.Equal("chatCompletions", s.GetProperty("spanName").GetString()));

        var (_, accounts) = await QueryAsync(UserKey, ",\"createdBySubjectTypes\":[\"virtualaccount\"]");
        Assert.Equal(3, accounts.Count);
        var (_, exampleAccount) = await QueryAsync(UserKey, ",\"createdBySubjectTypes\":[\"virtualaccount\"],\"createdBySubjectSlugs\":[\"exampleaccount\"]");
        Assert.Equal(3, exampleAccount.Count);
        var (_, users) = await QueryAsync(UserKey, ",\"createdBySubjectTypes\":[\"user\"]");
        Assert.Equal(6, users.Count);
        var (_, exampleUser) = await QueryAsync(UserKey, ",\"createdBySubjectTypes\":[\"user\"],\"createdBySubjectSlugs\":[\"example@email.com\"]");
        Assert.Equal(6, exampleUser.Count);
        Assert.All(exampleUser, s => Assert.Equal("example@email.com", s.GetProperty("createdBySubject").GetProperty("subjectSlug").GetString()));

        var (_, trace) = await QueryAsync(UserKey, $",\"traceIds\":[\"{traceId}\"]");
        Assert.Equal(3, trace.Count);
        var model = trace.Single(s => s.GetProperty("spanName").GetString() == "Model");
        Assert.True(model.GetProperty("spanAttributes").GetProperty("tfy.model.metric.time_to_first_token_in_ms").GetDouble() > 0);

        // The virtual account is not a collaborator of the project; no key is no access.
        Assert.Equal(HttpStatusCode.Forbidden, (await QueryAsync(AccountKey, "")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await QueryAsync("sk-wrong", "")).Status);
    }
}
