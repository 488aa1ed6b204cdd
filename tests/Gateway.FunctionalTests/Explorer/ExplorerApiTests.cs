using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Explorer;

/// <summary>
/// The two endpoints the trace explorer added to the span API (issue #16): the summary of a window
/// (<c>POST /api/svc/v1/spans/summary</c>) and the caller's projects (<c>GET /api/svc/v1/spans/projects</c>),
/// with the query API's authentication and project access.
/// Not in parallel with other classes: span tests start trees with no owner, which every store in the
/// process keeps, and the admin's project list would show their projects.
/// </summary>
[Collection(Tracing.TracingCollection.Name)]
public sealed class ExplorerApiTests : IAsyncLifetime
{
    private const string Admin = "sk-explorer-admin";
    private const string Alice = "sk-explorer-alice";
    private const string Mallory = "sk-explorer-mallory";
    private const string Default = "acme:tracing-project:default";
    private const string Bots = "acme:tracing-project:bots";

    private GatewayUnderTest _gateway = null!;
    private string _window = "";

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync($$"""
            server: {sse_keepalive_ms: 0}
            auth:
              api_keys:
                - {key: "${ADMIN_KEY}", subject: "user:admin@acme.com", admin: true}
                - {key: "${ALICE_KEY}", subject: "user:alice@acme.com"}
                - {key: "${MALLORY_KEY}", subject: "user:mallory@acme.com"}
            providers:
              - {name: mock, type: mock, token_delay_ms: 2, models: [echo]}
            tracing_projects:
              default: {{Default}}
              projects:
                - {fqn: {{Default}}, collaborators: [user:alice@acme.com]}
                - {fqn: {{Bots}}, collaborators: [virtualaccount:ci]}
            """, new Dictionary<string, string> { ["ADMIN_KEY"] = Admin, ["ALICE_KEY"] = Alice, ["MALLORY_KEY"] = Mallory });
        _window = $"\"startTime\":\"{DateTimeOffset.UtcNow.AddMinutes(-5):O}\"";
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task The_summary_counts_requests_errors_tokens_and_ttft_of_the_window()
    {
        await Chat("""{"model":"mock/echo","messages":[{"role":"user","content":"one"}]}""");
        await Chat("""{"model":"mock/echo","messages":[{"role":"user","content":"two two"}]}""");
        await Chat("""{"model":"mock/echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"three"}]}""");
        await Chat("""{"model":"missing-model","messages":[{"role":"user","content":"four"}]}""", HttpStatusCode.NotFound);
        // Spans are written off the request path: wait until the four roots are readable.
        var models = await WaitForAsync("""{"filters":[{"spanFieldName":"spanName","operator":"EQUAL","value":"Model"}]""", 3);
        await WaitForAsync("""{"parentSpanIds":[""]""", 4);

        var (status, summary) = await Post("/api/svc/v1/spans/summary", $"{{{_window}}}", Alice);
        Assert.Equal(200, status);
        Assert.Equal(4, summary.GetProperty("requests").GetInt32());
        Assert.Equal(1, summary.GetProperty("errors").GetInt32());
        Assert.False(summary.GetProperty("truncated").GetBoolean());
        // Tokens are the Model spans' own, summed.
        var input = models.Sum(s => s.GetProperty("spanAttributes").GetProperty("tfy.model.metric.input_tokens").GetInt64());
        var output = models.Sum(s => s.GetProperty("spanAttributes").GetProperty("tfy.model.metric.output_tokens").GetInt64());
        Assert.Equal(input, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(output, summary.GetProperty("outputTokens").GetInt64());
        Assert.True(input > 0 && output > 0);
        // TTFT exists for the one stream only, so p50 = p95 = its value.
        var ttft = models.Single(s => s.GetProperty("spanAttributes").TryGetProperty("tfy.model.metric.time_to_first_token_in_ms", out _))
            .GetProperty("spanAttributes").GetProperty("tfy.model.metric.time_to_first_token_in_ms").GetDouble();
        Assert.Equal(ttft, summary.GetProperty("ttftP50Ms").GetDouble(), 3);
        Assert.Equal(ttft, summary.GetProperty("ttftP95Ms").GetDouble(), 3);
        Assert.True(summary.GetProperty("latencyP95Ms").GetDouble() >= summary.GetProperty("latencyP50Ms").GetDouble());
        var buckets = summary.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(30, buckets.Count);
        Assert.Equal(4, buckets.Sum(b => b.GetProperty("requests").GetInt32()));
        Assert.Equal(1, buckets.Sum(b => b.GetProperty("errors").GetInt32()));

        // The query's filters apply: errors only.
        var (_, errors) = await Post("/api/svc/v1/spans/summary", $$"""{{{_window}},"filters":[{"spanFieldName":"spanStatusCode","operator":"EQUAL","value":"Error"}]}""", Alice);
        Assert.Equal(1, errors.GetProperty("requests").GetInt32());
        Assert.Equal(0, errors.GetProperty("outputTokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, errors.GetProperty("ttftP50Ms").ValueKind);
    }

    [Fact]
    public async Task The_summary_checks_the_caller_and_the_body_like_the_query()
    {
        Assert.Equal(401, (await Post("/api/svc/v1/spans/summary", $"{{{_window}}}", null)).Status);
        var (forbidden, error) = await Post("/api/svc/v1/spans/summary", $"{{{_window}}}", Mallory);
        Assert.Equal(403, forbidden);
        Assert.Equal("forbidden", error.GetProperty("error").GetProperty("code").GetString());
        var (bad, badError) = await Post("/api/svc/v1/spans/summary", "{}", Alice);
        Assert.Equal(400, bad);
        Assert.Equal("startTime", badError.GetProperty("error").GetProperty("param").GetString());
        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/svc/v1/spans/summary");
        get.Headers.Authorization = new("Bearer", Alice);
        using var response = await _gateway.Client.SendAsync(get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
    }

    [Theory]
    [InlineData(Admin, new[] { Bots, Default })]
    [InlineData(Alice, new[] { Default })]
    [InlineData(Mallory, new string[0])]
    public async Task Projects_lists_what_the_caller_may_read(string key, string[] expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/svc/v1/spans/projects");
        request.Headers.Authorization = new("Bearer", key);
        using var response = await _gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fqns = doc.RootElement.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("fqn").GetString()).ToArray();
        Assert.Equal(expected, fqns);
        var defaultFqn = doc.RootElement.GetProperty("default");
        if (expected.Contains(Default)) Assert.Equal(Default, defaultFqn.GetString());
        else Assert.Equal(JsonValueKind.Null, defaultFqn.ValueKind);
    }

    [Fact]
    public async Task Projects_needs_a_key()
    {
        using var response = await _gateway.Client.GetAsync("/api/svc/v1/spans/projects");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task Chat(string body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", Alice);
        using var response = await _gateway.Client.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>Polls the query API (as alice, window prepended to the given fields) until it returns <paramref name="count"/> spans.</summary>
    private Task<List<JsonElement>> WaitForAsync(string fieldsOpen, int count) => Poll.ForAsync(
        async () =>
        {
            var (status, body) = await Post("/api/svc/v1/spans/query", fieldsOpen + "," + _window + "}", Alice);
            Assert.Equal(200, status);
            return body.GetProperty("data").EnumerateArray().ToList();
        },
        spans => spans.Count >= count,
        spans => $"{spans.Count} of {count} spans");

    private async Task<(int Status, JsonElement Body)> Post(string path, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new("Bearer", key);
        using var response = await _gateway.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
