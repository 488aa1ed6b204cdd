using System.Text;
using System.Text.Json;

namespace Gateway.FunctionalTests.Spans;

/// <summary>`gateway spans query` flags to the API's JSON body.</summary>
public sealed class SpansCliTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly FixedTime Noon = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("field:spanName = chatCompletions", """{"spanFieldName":"spanName","operator":"EQUAL","value":"chatCompletions"}""")]
    [InlineData("field:durationInMs > 250", """{"spanFieldName":"durationInMs","operator":"GREATER_THAN","value":250}""")]
    [InlineData("attr:tfy.model.metric.cost_in_usd >= 0.01", """{"spanAttributeKey":"tfy.model.metric.cost_in_usd","operator":"GREATER_THAN_EQUAL","value":0.01}""")]
    [InlineData("attr:tfy.model.streaming = true", """{"spanAttributeKey":"tfy.model.streaming","operator":"EQUAL","value":true}""")]
    [InlineData("attr:code = '200'", """{"spanAttributeKey":"code","operator":"EQUAL","value":"200"}""")]
    [InlineData("attr:tfy.input ~ hello world", """{"spanAttributeKey":"tfy.input","operator":"STRING_CONTAINS","value":"hello world"}""")]
    [InlineData("meta:env in prod, staging", """{"gatewayRequestMetadataKey":"env","operator":"IN","value":["prod","staging"]}""")]
    [InlineData("meta:tier = 1", """{"gatewayRequestMetadataKey":"tier","operator":"EQUAL","value":"1"}""")]
    [InlineData("attr:tfy.request.created_by_subject_teams ARRAY_HAS_ANY eng", """{"spanAttributeKey":"tfy.request.created_by_subject_teams","operator":"ARRAY_HAS_ANY","value":["eng"]}""")]
    [InlineData("attr:tfy.error_message PRESENT", """{"spanAttributeKey":"tfy.error_message","operator":"PRESENT"}""")]
    [InlineData("field:durationInNs between 1000,2000", """{"spanFieldName":"durationInNs","operator":"BETWEEN","value":[1000,2000]}""")]
    public void Filter_expressions(string expression, string json) => Assert.Equal(json, SpansCli.Filter(expression));

    [Theory]
    [InlineData("spanName = x", "scope must be field:, attr: or meta:")]
    [InlineData("attr: = x", "key after 'attr:' is empty")]
    [InlineData("attr:x LIKE y", "unknown operator 'LIKE'")]
    [InlineData("attr:x PRESENT y", "PRESENT takes no value")]
    [InlineData("attr:x IN", "takes a comma-separated list")]
    [InlineData("attr:x", "expected SCOPE:KEY OP [VALUE]")]
    public void Bad_filter_expressions(string expression, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => SpansCli.Filter(expression)).Message);

    [Theory]
    [InlineData("15m", "2025-06-01T11:45:00.0000000Z")]
    [InlineData("1h", "2025-06-01T11:00:00.0000000Z")]
    [InlineData("7d", "2025-05-25T12:00:00.0000000Z")]
    [InlineData("90s", "2025-06-01T11:58:30.0000000Z")]
    [InlineData("2025-05-01T00:00:00Z", "2025-05-01T00:00:00Z")]
    public void Times_are_iso_or_an_age(string text, string expected) => Assert.Equal(expected, SpansCli.Time(text, Noon));

    [Fact]
    public void Flags_make_the_api_body()
    {
        var o = SpansCli.Parse(
            ["--project", "acme:tracing-project:default", "--start=1h", "--root", "--subject", "virtualaccount:exampleaccount",
             "--trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "--filter", "meta:env = prod", "--limit", "50", "--sort", "asc", "-o", "json"],
            name => name == "GATEWAY_API_KEY" ? "sk-env" : null, Noon);
        Assert.Equal("http://127.0.0.1:8080", o.Url);
        Assert.Equal("sk-env", o.ApiKey);
        Assert.True(o.Json);
        using var body = JsonDocument.Parse(SpansCli.Body(o, "tok"));
        Assert.Equal(
            """{"tracingProjectFqn":"acme:tracing-project:default","startTime":"2025-06-01T11:00:00.0000000Z","traceIds":["4bf92f3577b34da6a3ce929d0e0e4736"],"parentSpanIds":[""],"createdBySubjectTypes":["virtualaccount"],"createdBySubjectSlugs":["exampleaccount"],"filters":[{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"}],"limit":50,"sortDirection":"ASC","pageToken":"tok"}""",
            Encoding.UTF8.GetString(SpansCli.Body(o, "tok")));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--limit", "0")]
    [InlineData("--sort", "sideways")]
    [InlineData("--output", "yaml")]
    [InlineData("--subject", "example@email.com")]
    [InlineData("--filter-json", "{not json")]
    [InlineData("--project")]
    public void Bad_flags(params string[] args) =>
        Assert.Throws<FormatException>(() => SpansCli.Parse(args, _ => null, Noon));
}
