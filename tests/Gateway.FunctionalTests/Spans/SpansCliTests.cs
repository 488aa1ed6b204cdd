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
        var o = Bind(name => name == "GATEWAY_API_KEY" ? "sk-env" : null,
            "--project", "acme:tracing-project:default", "--start=1h", "--root", "--subject", "virtualaccount:exampleaccount",
            "--trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "--filter", "meta:env = prod", "--limit", "50", "--sort", "asc", "-o", "json");
        Assert.Equal("http://127.0.0.1:8080", o.Url);
        Assert.Equal("sk-env", o.ApiKey);
        Assert.True(o.Json);
        Assert.Equal(
            """{"tracingProjectFqn":"acme:tracing-project:default","startTime":"2025-06-01T11:00:00.0000000Z","traceIds":["4bf92f3577b34da6a3ce929d0e0e4736"],"parentSpanIds":[""],"createdBySubjectTypes":["virtualaccount"],"createdBySubjectSlugs":["exampleaccount"],"filters":[{"gatewayRequestMetadataKey":"env","operator":"EQUAL","value":"prod"}],"limit":50,"sortDirection":"ASC","pageToken":"tok"}""",
            Encoding.UTF8.GetString(SpansCli.Body(o, "tok")));
    }

    [Fact]
    public void Defaults_come_from_the_environment_then_the_builtin_ones()
    {
        var o = Bind(_ => null);
        Assert.Equal("http://127.0.0.1:8080", o.Url);
        Assert.Null(o.ApiKey);
        Assert.False(o.Json);
        Assert.Equal("""{"startTime":"2025-06-01T11:00:00.0000000Z"}""", Encoding.UTF8.GetString(SpansCli.Body(o, null)));

        var env = new Dictionary<string, string> { ["GATEWAY_URL"] = "http://gw:9000", ["GATEWAY_API_KEY"] = "sk-env" };
        o = Bind(name => env.GetValueOrDefault(name));
        Assert.Equal(("http://gw:9000", "sk-env"), (o.Url, o.ApiKey));
        o = Bind(name => env.GetValueOrDefault(name), "--url", "http://other:1", "--api-key", "sk-flag");
        Assert.Equal(("http://other:1", "sk-flag"), (o.Url, o.ApiKey));
    }

    [Fact]
    public void Repeated_flags_accumulate_and_subjects_split_into_type_and_slug()
    {
        var o = Bind(_ => null,
            "--subject-type", "user", "--subject", "virtualaccount:ci", "--subject", "user:a@b.c", "--subject-slug", "bob",
            "--trace-id", "t1", "--trace-id", "t2", "--span-id", "s1", "--application", "app",
            "--filter", "attr:x PRESENT", "--filter-json", """{"spanFieldName":"spanName","operator":"EQUAL","value":"y"}""", "--filter", "field:spanName ~ chat",
            "--end", "2025-06-01T11:30:00Z", "--page-token", "p", "--all");
        Assert.Equal(
            """{"startTime":"2025-06-01T11:00:00.0000000Z","endTime":"2025-06-01T11:30:00Z","traceIds":["t1","t2"],"spanIds":["s1"],"createdBySubjectTypes":["user","virtualaccount"],"createdBySubjectSlugs":["bob","ci","a@b.c"],"applicationNames":["app"],"filters":[{"spanAttributeKey":"x","operator":"PRESENT"},{"spanFieldName":"spanName","operator":"STRING_CONTAINS","value":"chat"},{"spanFieldName":"spanName","operator":"EQUAL","value":"y"}],"pageToken":"p"}""",
            Encoding.UTF8.GetString(SpansCli.Body(o, o.PageToken)));
        Assert.True(o.All);
    }

    /// <summary>A bad flag is a usage error: exit code 2 and the reason, before any request (no gateway listens at the URL).</summary>
    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "--bogus")]
    [InlineData("--limit '0' is not a positive integer", "--limit", "0")]
    [InlineData("--limit 'ten' is not a positive integer", "--limit", "ten")]
    [InlineData("--sort takes asc or desc", "--sort", "sideways")]
    [InlineData("--output 'yaml': expected table or json", "--output", "yaml")]
    [InlineData("--subject 'example@email.com': expected TYPE:SLUG", "--subject", "example@email.com")]
    [InlineData("--filter-json is not valid JSON", "--filter-json", "{not json")]
    [InlineData("--filter-json takes one JSON object", "--filter-json", "[1]")]
    [InlineData("unknown operator 'LIKE'", "--filter", "attr:x LIKE y")]
    [InlineData("neither an ISO 8601 time nor an age", "--end", "yesterday")]
    [InlineData("Required argument missing for option: '--project'", "--project")]
    [InlineData("Required argument missing for option: '--start'", "--start")]
    public async Task Bad_flags(string message, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(["spans", "query", "--url", "http://127.0.0.1:1", .. args], stdout, stderr, _ => null, Noon);
        Assert.Equal(2, code);
        Assert.StartsWith("gateway spans query: ", stderr.ToString());
        Assert.Contains(message, stderr.ToString());
        Assert.Contains("See 'gateway spans query --help'.", stderr.ToString());
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public async Task Help_lists_every_flag_and_the_filter_grammar()
    {
        using var stdout = new StringWriter();
        var code = await Cli.RunAsync(["spans", "query", "--help"], stdout, TextWriter.Null, _ => null, Noon);
        Assert.Equal(0, code);
        var help = stdout.ToString();
        foreach (var flag in new[] { "--url", "--api-key", "--project", "--start", "--end", "--root", "--subject-type", "--subject", "--subject-slug",
            "--trace-id", "--span-id", "--application", "--filter", "--filter-json", "--limit", "--sort", "--page-token", "--all", "-o, --output" })
        {
            Assert.Contains("  " + flag + " ", help);
        }
        Assert.Contains("SCOPE:KEY OP [VALUE]", help);
        Assert.Contains("gateway spans query --filter 'field:spanName = chatCompletions'", help);
    }

    private static SpansQueryOptions Bind(Func<string, string?> environment, params string[] args)
    {
        var command = new SpansQueryCommand(environment, Noon);
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return command.Bind(result);
    }
}
