using Gateway.Auth;
using Gateway.Spans;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>The query API over a real SQLite file: selection, order, access and errors.</summary>
public sealed class SpanQueryTests : IAsyncLifetime
{
    private static readonly long T0 = UnixTime.ToNanos(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc));
    private const long Second = 1_000_000_000;
    private const string Window = "\"startTime\":\"2025-06-01T00:00:00Z\",\"endTime\":\"2025-06-01T01:00:00Z\"";
    private SpanTestStore _s = null!;

    public async Task InitializeAsync()
    {
        _s = SpanTestStore.Open();
        await _s.AddAsync(
            Record(Id(1), T0 + 1 * Second, "user:example@email.com", traceId: Trace(1), attributes: """{"tfy.model.name":"gpt-4o","tfy.model.metric.cost_in_usd":0.02,"tfy.model.streaming":true,"tags":["a","b"]}""", metadata: """{"env":"prod"}"""),
            Record(Id(2), T0 + 2 * Second, "user:example@email.com", parent: Id(1), traceId: Trace(1), name: "Model", attributes: """{"tfy.model.name":"gpt-4o-mini","tfy.model.metric.cost_in_usd":0.005}""", durationNs: 5_000_000),
            Record(Id(3), T0 + 3 * Second, "virtualaccount:exampleaccount", traceId: Trace(2), attributes: """{"tags":["c"]}""", status: "Error"),
            Record(Id(4), T0 + 4 * Second, "virtualaccount:otheraccount", traceId: Trace(3), metadata: """{"env":"staging"}"""),
            Record(Id(5), T0 + 5 * Second, "user:bob@email.com", traceId: Trace(4)),
            Record(Id(6), T0 + 6 * Second, "user:example@email.com", parent: Id(5), traceId: Trace(4), name: "Network Call"),
            // Outside the window, and in another project.
            Record(Id(7), T0 + 4000 * Second, "user:example@email.com", traceId: Trace(5)),
            Record(Id(8), T0 + 7 * Second, "user:example@email.com", project: OtherProject, traceId: Trace(6)));
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    private static string Trace(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    private List<string> Ids(string extra = "") => _s.SpanIds("{" + Window + extra + "}");

    [Fact]
    public void All_spans_in_an_interval_newest_first() =>
        Assert.Equal([Id(6), Id(5), Id(4), Id(3), Id(2), Id(1)], Ids());

    [Fact]
    public void Ascending_order() =>
        Assert.Equal([Id(1), Id(2), Id(3), Id(4), Id(5), Id(6)], Ids(",\"sortDirection\":\"ASC\""));

    [Fact]
    public void Root_spans() => Assert.Equal([Id(5), Id(4), Id(3), Id(1)], Ids(",\"parentSpanIds\":[\"\"]"));

    [Fact]
    public void Children_of_a_span() => Assert.Equal([Id(2)], Ids($",\"parentSpanIds\":[\"{Id(1)}\"]"));

    [Fact]
    public void Spans_of_virtual_accounts() => Assert.Equal([Id(4), Id(3)], Ids(",\"createdBySubjectTypes\":[\"virtualaccount\"]"));

    [Fact]
    public void Spans_of_one_virtual_account() =>
        Assert.Equal([Id(3)], Ids(",\"createdBySubjectTypes\":[\"virtualaccount\"],\"createdBySubjectSlugs\":[\"exampleaccount\"]"));

    [Fact]
    public void Spans_of_users() => Assert.Equal([Id(6), Id(5), Id(2), Id(1)], Ids(",\"createdBySubjectTypes\":[\"user\"]"));

    [Fact]
    public void Spans_of_one_user() =>
        Assert.Equal([Id(6), Id(2), Id(1)], Ids(",\"createdBySubjectTypes\":[\"user\"],\"createdBySubjectSlugs\":[\"example@email.com\"]"));

    [Fact]
    public void Spans_of_one_trace() => Assert.Equal([Id(2), Id(1)], Ids($",\"traceIds\":[\"{Trace(1).ToUpperInvariant()}\"]"));

    [Fact]
    public void Span_ids_and_application_names() =>
        Assert.Equal([Id(3)], Ids($",\"spanIds\":[\"{Id(3)}\"],\"applicationNames\":[\"tfy-llm-gateway\"]"));

    [Fact]
    public void Another_project_is_separate() =>
        Assert.Equal([Id(8)], _s.SpanIds("{" + Window + $",\"tracingProjectFqn\":\"{OtherProject}\"}}"));

    [Theory]
    [InlineData("""{"spanFieldName":"spanName","operator":"EQUAL","value":"Model"}""", new[] { 2 })]
    [InlineData("""{"spanFieldName":"spanName","operator":"NOT_EQUAL","value":"chatCompletions"}""", new[] { 6, 2 })]
    [InlineData("""{"spanFieldName":"spanName","operator":"IN","value":["Model","Network Call"]}""", new[] { 6, 2 })]
    [InlineData("""{"spanFieldName":"spanName","operator":"NOT_IN","value":["Model","Network Call"]}""", new[] { 5, 4, 3, 1 })]
    [InlineData("""{"spanFieldName":"durationInMs","operator":"GREATER_THAN","value":2}""", new[] { 2 })]
    [InlineData("""{"spanFieldName":"durationInNs","operator":"BETWEEN","value":[1000000,1000000]}""", new[] { 6, 5, 4, 3, 1 })]
    [InlineData("""{"spanFieldName":"spanStatusCode","operator":"EQUAL","value":"STATUS_CODE_ERROR"}""", new[] { 3 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_ENDS_WITH","value":"account"}""", new[] { 4, 3 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_STARTS_WITH","value":"example"}""", new[] { 6, 3, 2, 1 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_NOT_STARTS_WITH","value":"example"}""", new[] { 5, 4 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_CONTAINS","value":"@"}""", new[] { 6, 5, 2, 1 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_NOT_CONTAINS","value":"@"}""", new[] { 4, 3 })]
    [InlineData("""{"spanFieldName":"createdBySubjectSlug","operator":"STRING_NOT_ENDS_WITH","value":"account"}""", new[] { 6, 5, 2, 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.name","operator":"EQUAL","value":"gpt-4o"}""", new[] { 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.name","operator":"STRING_STARTS_WITH","value":"gpt-4o"}""", new[] { 2, 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.metric.cost_in_usd","operator":"GREATER_THAN_EQUAL","value":0.01}""", new[] { 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.metric.cost_in_usd","operator":"LESS_THAN","value":0.01}""", new[] { 2 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.metric.cost_in_usd","operator":"LESS_THAN_EQUAL","value":0.02}""", new[] { 2, 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.streaming","operator":"EQUAL","value":true}""", new[] { 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.name","operator":"PRESENT"}""", new[] { 2, 1 })]
    [InlineData("""{"spanAttributeKey":"tfy.model.name","operator":"IS_NULL"}""", new[] { 6, 5, 4, 3 })]
    [InlineData("""{"spanAttributeKey":"tags","operator":"ARRAY_HAS_ANY","value":["b","c"]}""", new[] { 3, 1 })]
    [InlineData("""{"spanAttributeKey":"tags","operator":"ARRAY_HAS_NONE","value":["a"]}""", new[] { 6, 5, 4, 3, 2 })]
    [InlineData("""{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"}""", new[] { 1 })]
    [InlineData("""{"gatewayRequestMetadataKey":"env","operator":"IN","value":["prod","staging"]}""", new[] { 4, 1 })]
    [InlineData("""{"gatewayRequestMetadataKey":"env","operator":"PRESENT"}""", new[] { 4, 1 })]
    public void Filters(string filter, int[] expected) =>
        Assert.Equal(expected.Select(Id).ToList(), Ids(",\"filters\":[" + filter + "]"));

    [Fact]
    public void Filters_combine_with_and() =>
        Assert.Equal([Id(1)], Ids(""","filters":[{"spanFieldName":"spanName","operator":"EQUAL","value":"chatCompletions"},{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"}]"""));

    [Fact]
    public void The_answer_has_the_span_fields_attributes_and_subject()
    {
        var (status, body) = _s.Query("{" + Window + $",\"spanIds\":[\"{Id(1)}\"]}}");
        Assert.Equal(200, status);
        var span = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(Trace(1), span.GetProperty("traceId").GetString());
        Assert.Equal("", span.GetProperty("parentSpanId").GetString());
        Assert.Equal("chatCompletions", span.GetProperty("spanName").GetString());
        Assert.Equal("2025-06-01T00:00:01.0000000Z", span.GetProperty("startTime").GetString());
        Assert.Equal("2025-06-01T00:00:01.0010000Z", span.GetProperty("endTime").GetString());
        Assert.Equal(1_000_000, span.GetProperty("durationNs").GetInt64());
        Assert.Equal("tfy-llm-gateway", span.GetProperty("serviceName").GetString());
        Assert.Equal(0.02, span.GetProperty("spanAttributes").GetProperty("tfy.model.metric.cost_in_usd").GetDouble());
        Assert.Equal("user", span.GetProperty("createdBySubject").GetProperty("subjectType").GetString());
        Assert.Equal("example@email.com", span.GetProperty("createdBySubject").GetProperty("subjectSlug").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("pagination").GetProperty("nextPageToken").ValueKind);
    }

    [Fact]
    public void Paging_returns_every_span_once()
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (status, body) = _s.Query("{" + Window + ",\"limit\":4" + (token is null ? "" : $",\"pageToken\":\"{token}\"") + "}");
            Assert.Equal(200, status);
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!));
            token = body.GetProperty("pagination").GetProperty("nextPageToken").GetString();
            pages++;
        }
        while (token is not null);
        Assert.Equal(2, pages);
        Assert.Equal([Id(6), Id(5), Id(4), Id(3), Id(2), Id(1)], seen);
    }

    [Fact]
    public void Limit_is_capped_not_refused()
    {
        var (status, _) = _s.Query("{" + Window + ",\"limit\":100000}");
        Assert.Equal(200, status);
    }

    [Fact]
    public void Collaborators_read_others_get_403()
    {
        var alice = new Subject(Subject.UserType, "Alice@acme.com", [], "acme");
        var engineer = new Subject(Subject.UserType, "carol@acme.com", ["eng"], "acme");
        var stranger = new Subject(Subject.UserType, "mallory@acme.com", ["sales"], "acme");
        var bot = new Subject(Subject.VirtualAccountType, "bot", [], "acme");
        Assert.Equal(200, _s.Query("{" + Window + "}", alice).Status);
        Assert.Equal(200, _s.Query("{" + Window + "}", engineer).Status);
        var (status, body) = _s.Query("{" + Window + "}", stranger);
        Assert.Equal(403, status);
        Assert.Contains("user:mallory@acme.com", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(403, _s.Query("{" + Window + "}", bot).Status);
        Assert.Equal(200, _s.Query("{" + Window + $",\"tracingProjectFqn\":\"{OtherProject}\"}}", bot).Status);
        Assert.Equal(403, _s.Query("{" + Window + $",\"tracingProjectFqn\":\"{OtherProject}\"}}", alice).Status);
        // A project no config names: admins only.
        Assert.Equal(403, _s.Query("{" + Window + ",\"tracingProjectFqn\":\"acme:tracing-project:nope\"}", alice).Status);
        Assert.Equal(200, _s.Query("{" + Window + ",\"tracingProjectFqn\":\"acme:tracing-project:nope\"}").Status);
    }

    [Theory]
    [InlineData("""{"endTime":"2025-06-01T01:00:00Z"}""", "startTime", "required")]
    [InlineData("""{"startTime":"yesterday"}""", "startTime", "not an ISO 8601 time")]
    [InlineData("""{"startTime":"2025-13-01T00:00:00Z"}""", "startTime", "not an ISO 8601 time")]
    [InlineData("""{"startTime":1717200000}""", "startTime", "ISO 8601 time string")]
    [InlineData("""{"startTime":"2025-06-02T00:00:00Z","endTime":"2025-06-01T00:00:00Z"}""", "endTime", "before")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","tracingProjectId":"x"}""", "tracingProjectId", "Unknown field 'tracingProjectId'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanFieldName":"spanName","operator":"LIKE","value":"x"}]}""", "filters[0].operator", "Unknown operator 'LIKE'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanFieldName":"colour","operator":"EQUAL","value":"x"}]}""", "filters[0].spanFieldName", "Unknown spanFieldName 'colour'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"a","operator":"EQUAL","value":"x","extra":1}]}""", "filters[0].extra", "Unknown field 'extra'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"operator":"EQUAL","value":"x"}]}""", "filters[0]", "must name one of")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"a","operator":"IN","value":"x"}]}""", "filters[0].value", "IN takes a 'value' list")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"a","operator":"BETWEEN","value":[1]}]}""", "filters[0].value", "BETWEEN")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"a","operator":"PRESENT","value":1}]}""", "filters[0].value", "takes no 'value'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanFieldName":"durationInMs","operator":"GREATER_THAN","value":"5"}]}""", "filters[0].value", "numbers")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanFieldName":"spanStatusCode","operator":"EQUAL","value":"bad"}]}""", "filters[0].value", "not a valid spanStatusCode")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"a\"b","operator":"PRESENT"}]}""", "filters[0].spanAttributeKey", "not a valid key")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","traceIds":["xyz"]}""", "traceIds[0]", "32-digit hex")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","createdBySubjectTypes":["robot"]}""", "createdBySubjectTypes[0]", "virtualaccount")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","sortDirection":"UP"}""", "sortDirection", "ASC or DESC")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","limit":0}""", "limit", "positive integer")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","tracingProjectFqn":"default"}""", "tracingProjectFqn", "tenant")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","pageToken":"not-a-token"}""", "pageToken", "not a token")]
    [InlineData("""[1,2]""", "", "JSON object")]
    public void Bad_input_is_a_400_that_names_the_field(string json, string param, string message)
    {
        var (status, body) = _s.Query(json);
        Assert.Equal(400, status);
        var error = body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public void Invalid_json_is_a_400()
    {
        var (status, body) = _s.Query("{\"startTime\":");
        Assert.Equal(400, status);
        Assert.Equal("invalid_json", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void Forged_and_foreign_page_tokens_are_400()
    {
        var (_, first) = _s.Query("{" + Window + ",\"limit\":2}");
        var token = first.GetProperty("pagination").GetProperty("nextPageToken").GetString()!;
        // One character changed.
        var forged = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        var (status, body) = _s.Query("{" + Window + $",\"limit\":2,\"pageToken\":\"{forged}\"}}");
        Assert.Equal(400, status);
        Assert.Equal("invalid_page_token", body.GetProperty("error").GetProperty("code").GetString());
        // A real token, but for a different query.
        (status, body) = _s.Query("{" + Window + $",\"limit\":2,\"parentSpanIds\":[\"\"],\"pageToken\":\"{token}\"}}");
        Assert.Equal(400, status);
        Assert.Contains("different query", body.GetProperty("error").GetProperty("message").GetString());
        // The page size may change between pages.
        Assert.Equal(200, _s.Query("{" + Window + $",\"limit\":3,\"pageToken\":\"{token}\"}}").Status);
    }
}
