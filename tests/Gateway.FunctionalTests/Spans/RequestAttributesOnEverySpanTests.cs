using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.FunctionalTests.Routing;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Every span of a request carries the request's subject, teams, metadata and tracing project itself, from the
/// moment it is recorded, so per-user and per-account queries find all of them: also the routing spans
/// (loadBalanceMiddleware, fallbackRequest) that end long before the root knows how the request went.
/// </summary>
public sealed class RequestAttributesOnEverySpanTests : RoutingTestBase
{
    private const string UserKey = "sk-user-every-span";
    private const string AccountKey = "sk-va-every-span";
    private const string DefaultProject = "acme:tracing-project:default";
    private const string BotsProject = "acme:tracing-project:bots";
    /// <summary>chatCompletions, loadBalanceMiddleware, fallbackRequest, and Model + Network Call for each of a and b.</summary>
    private const int SpansPerRequest = 7;

    private async Task ChatAsync(string key, string metadata)
    {
        using var response = await Gateway.Chat("vm", key: key, headers: ("x-tfy-metadata", metadata));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<List<JsonElement>> QueryAsync(string project, string filters, int count = 0) =>
        Gateway.WaitForStoredSpansAsync($$""","tracingProjectFqn":"{{project}}"{{filters}}""", count, UserKey);

    [Fact]
    public async Task UserAndAccountQueries_ReturnEverySpanOfTheirRequests()
    {
        await StartGatewayAsync($$"""
            auth:
              api_keys:
                - key: ${USER_KEY}
                  subject: user:example@email.com
                  teams: [eng, ml]
                - key: ${ACCOUNT_KEY}
                  subject: virtualaccount:exampleaccount
            {{PriorityModel(a: NoRetry)}}
            tracing_projects:
              default: {{DefaultProject}}
              projects:
                - fqn: {{DefaultProject}}
                  collaborators: [team:eng]
                - fqn: {{BotsProject}}
                  collaborators: [team:eng]
                  rules:
                    - when: {subjects: [virtualaccount:exampleaccount]}
            """, env: new Dictionary<string, string> { ["USER_KEY"] = UserKey, ["ACCOUNT_KEY"] = AccountKey });
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 503);

        await ChatAsync(UserKey, """{"env":"prod"}""");
        await ChatAsync(UserKey, """{"env":"prod"}""");
        await ChatAsync(AccountKey, """{"env":"ci"}""");
        await QueryAsync(DefaultProject, "", 2 * SpansPerRequest);
        await QueryAsync(BotsProject, "", SpansPerRequest);

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
