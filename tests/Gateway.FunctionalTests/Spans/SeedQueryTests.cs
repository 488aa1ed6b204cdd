using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// The seed's query cases (seeds/003: "Common Use Cases"), over HTTP against spans made through the
/// gateway's ActivitySource, each checked for exactly the spans it must return.
/// </summary>
public sealed class SeedQueryTests : IAsyncLifetime
{
    private SpanQueryServer _server = null!;
    private DateTimeOffset _base;
    private Request _user1 = null!, _user2 = null!, _otherUser = null!, _account1 = null!, _account2 = null!, _otherAccount = null!, _outside = null!;
    private string _window = "";

    public async Task InitializeAsync()
    {
        _server = await SpanQueryServer.StartAsync();
        var p = _server.Project;
        _base = DateTimeOffset.UtcNow.AddMinutes(-10);
        _user1 = ChatCompletion("user:example@email.com", p, _base.AddSeconds(1), teams: ["eng"]);
        _account1 = ChatCompletion("virtualaccount:exampleaccount", p, _base.AddSeconds(2));
        _otherUser = ChatCompletion("user:other@email.com", p, _base.AddSeconds(3));
        _user2 = ChatCompletion("user:example@email.com", p, _base.AddSeconds(4), metadata: """{"env":"prod"}""");
        _otherAccount = ChatCompletion("virtualaccount:otheraccount", p, _base.AddSeconds(5));
        _account2 = ChatCompletion("virtualaccount:exampleaccount", p, _base.AddSeconds(6), model: "mock/gpt-4o");
        // An hour before the window.
        _outside = ChatCompletion("user:example@email.com", p, _base.AddHours(-1));
        await _server.FlushAsync();
        _window = $"\"tracingProjectFqn\":\"{p}\",\"startTime\":\"{Iso(_base)}\",\"endTime\":\"{Iso(_base.AddMinutes(1))}\"";
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<List<string>> Query(string extra = "") => _server.AllSpanIdsAsync("{" + _window + extra + "}", limit: 5);

    private static List<string> Spans(params Request[] requests) => [.. requests.SelectMany(r => r.SpanIds).Order()];

    private static List<string> Roots(params Request[] requests) => [.. requests.Select(r => r.RootId).Order()];

    [Fact]
    public async Task All_spans_for_a_time_interval() =>
        Assert.Equal(Spans(_user1, _user2, _otherUser, _account1, _account2, _otherAccount), (await Query()).Order());

    [Fact]
    public async Task All_root_spans_for_a_time_interval() =>
        Assert.Equal(Roots(_user1, _user2, _otherUser, _account1, _account2, _otherAccount), (await Query(",\"parentSpanIds\":[\"\"]")).Order());

    [Fact]
    public async Task All_spans_for_virtual_accounts() =>
        Assert.Equal(Spans(_account1, _account2, _otherAccount), (await Query(",\"createdBySubjectTypes\":[\"virtualaccount\"]")).Order());

    [Fact]
    public async Task All_spans_for_the_virtual_account_exampleaccount() =>
        Assert.Equal(Spans(_account1, _account2),
            (await Query(",\"createdBySubjectTypes\":[\"virtualaccount\"],\"createdBySubjectSlugs\":[\"exampleaccount\"]")).Order());

    [Fact]
    public async Task All_spans_for_users() =>
        Assert.Equal(Spans(_user1, _user2, _otherUser), (await Query(",\"createdBySubjectTypes\":[\"user\"]")).Order());

    [Fact]
    public async Task All_spans_for_the_user_example_at_email_com() =>
        Assert.Equal(Spans(_user1, _user2),
            (await Query(",\"createdBySubjectTypes\":[\"user\"],\"createdBySubjectSlugs\":[\"example@email.com\"]")).Order());

    [Fact]
    public async Task Spans_of_one_trace_id() =>
        Assert.Equal(Spans(_account2), (await Query($",\"traceIds\":[\"{_account2.TraceId}\"]")).Order());

    [Fact]
    public async Task The_trace_outside_the_window_is_found_with_a_wider_one()
    {
        var ids = await _server.AllSpanIdsAsync($"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(_base.AddHours(-2))}\",\"traceIds\":[\"{_outside.TraceId}\"]}}");
        Assert.Equal(Spans(_outside), ids.Order());
    }

    [Fact]
    public async Task Spans_carry_otel_fields_attributes_and_the_subject()
    {
        var (status, body) = await _server.QueryAsync("{" + _window + $",\"traceIds\":[\"{_user2.TraceId}\"],\"sortDirection\":\"ASC\"}}");
        Assert.Equal(200, status);
        var spans = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["chatCompletions", "Model", "Network Call"], spans.Select(s => s.GetProperty("spanName").GetString()));
        var root = spans[0];
        Assert.Equal("", root.GetProperty("parentSpanId").GetString());
        Assert.Equal("Server", root.GetProperty("spanKind").GetString());
        Assert.Equal(50_000_000, root.GetProperty("durationNs").GetInt64());
        Assert.Equal("tfy-llm-gateway", root.GetProperty("applicationName").GetString());
        Assert.Equal(_server.Project, root.GetProperty("spanAttributes").GetProperty("tfy.tracing_project_fqn").GetString());
        Assert.Equal("ChatCompletion", root.GetProperty("spanAttributes").GetProperty("tfy.span_type").GetString());
        Assert.Equal("user", root.GetProperty("createdBySubject").GetProperty("subjectType").GetString());
        Assert.Equal("example@email.com", root.GetProperty("createdBySubject").GetProperty("subjectSlug").GetString());
        var network = spans[2];
        Assert.Equal(_user2.ModelId, network.GetProperty("parentSpanId").GetString());
        Assert.Equal("Client", network.GetProperty("spanKind").GetString());
        // The Network Call span sets no subject of its own; it is the request's.
        Assert.Equal("example@email.com", network.GetProperty("createdBySubject").GetProperty("subjectSlug").GetString());
        Assert.Equal(200, network.GetProperty("spanAttributes").GetProperty("http.response.status_code").GetInt32());
    }

    [Fact]
    public async Task Filters_on_fields_attributes_and_request_metadata()
    {
        Assert.Equal(Roots(_user2), (await Query(""","filters":[{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"},{"spanFieldName":"spanName","operator":"EQUAL","value":"chatCompletions"}]""")).Order());
        Assert.Equal([_account2.ModelId], await Query(""","filters":[{"spanAttributeKey":"tfy.model.name","operator":"EQUAL","value":"mock/gpt-4o"},{"spanAttributeKey":"tfy.span_type","operator":"EQUAL","value":"Model"}]"""));
        Assert.Equal(6, (await Query(""","filters":[{"spanAttributeKey":"tfy.model.metric.input_tokens","operator":"GREATER_THAN_EQUAL","value":12}]""")).Count);
        Assert.Equal(Roots(_user1), (await Query(""","filters":[{"spanAttributeKey":"tfy.request.created_by_subject_teams","operator":"ARRAY_HAS_ANY","value":["eng"]}]""")).Order());
    }
}
