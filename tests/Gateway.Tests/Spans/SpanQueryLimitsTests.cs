using System.Text;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #9 item 10: query bodies built to hurt. Keys SQLite cannot take are a 400 naming the field
/// (they were a 500 "JSON path error"), filter sets past the documented bounds are a 400, and the
/// lists that are allowed cost one parameter each, not one per value.
/// </summary>
public sealed class SpanQueryLimitsTests : IAsyncLifetime
{
    private static readonly long T0 = UnixTime.ToNanos(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc));
    private const string Start = "\"startTime\":\"2025-06-01T00:00:00Z\"";
    private SpanTestStore _s = null!;

    public async Task InitializeAsync()
    {
        _s = SpanTestStore.Open();
        // Spans the filters are evaluated on: a bad key must be caught before SQLite sees it.
        for (var i = 1; i <= 25; i++)
        {
            await _s.AddAsync(Record(Id(i), T0 + i * 1_000_000_000L, attributes: $$"""{"k":"v{{i}}","tags":["t{{i % 3}}"]}""", metadata: $$"""{"env":"e{{i % 2}}"}"""));
        }
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    [Theory]
    [InlineData("spanAttributeKey", "\\u0000")]
    [InlineData("spanAttributeKey", "a\\u0000b")]
    [InlineData("spanAttributeKey", "tfy.\\u0001")]
    [InlineData("spanAttributeKey", "line\\nbreak")]
    [InlineData("spanAttributeKey", "del\\u007f")]
    [InlineData("spanAttributeKey", "c1\\u0085")]
    [InlineData("gatewayRequestMetadataKey", "\\u0000")]
    [InlineData("gatewayRequestMetadataKey", "env\\u001f")]
    [InlineData("gatewayRequestMetadataKey", "tab\\there")]
    public void Control_characters_in_a_key_are_a_400_naming_the_field(string field, string escapedKey)
    {
        foreach (var op in new[] { "PRESENT", "EQUAL", "IN" })
        {
            var value = op switch { "PRESENT" => "", "EQUAL" => ",\"value\":\"x\"", _ => ",\"value\":[\"x\",\"y\"]" };
            var (status, body) = _s.Query($$"""{{{Start}},"filters":[{"{{field}}":"{{escapedKey}}","operator":"{{op}}"{{value}}}]}""");
            AssertInvalid(status, body, $"filters[0].{field}", "control characters");
        }
    }

    [Theory]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"\ud800","operator":"PRESENT"}]}""", "filters[0].spanAttributeKey")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"k","operator":"EQUAL","value":"a\udc00"}]}""", "filters[0].value")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"k","operator":"IN","value":["a","\ud800"]}]}""", "filters[0].value[1]")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","createdBySubjectSlugs":["\ud800"]}""", "createdBySubjectSlugs[0]")]
    [InlineData("""{"startTime":"\ud800"}""", "startTime")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","pageToken":"\ud800"}""", "pageToken")]
    public void A_lone_surrogate_is_a_400_naming_the_field(string json, string param)
    {
        var (status, body) = _s.Query(json);
        AssertInvalid(status, body, param, "not valid Unicode");
    }

    [Fact]
    public void A_lone_surrogate_in_a_field_name_is_a_400()
    {
        var (status, body) = _s.Query("""{"startTime":"2025-06-01T00:00:00Z","\ud800":1}""");
        AssertInvalid(status, body, "", "not valid Unicode");
    }

    [Fact]
    public void A_key_past_the_length_bound_is_a_400()
    {
        var ok = new string('k', SpanFilterParser.MaxKeyLength);
        Assert.Equal(200, _s.Query($$"""{{{Start}},"filters":[{"spanAttributeKey":"{{ok}}","operator":"PRESENT"}]}""").Status);
        var (status, body) = _s.Query($$"""{{{Start}},"filters":[{"spanAttributeKey":"{{ok}}k","operator":"PRESENT"}]}""");
        AssertInvalid(status, body, "filters[0].spanAttributeKey", $"1 to {SpanFilterParser.MaxKeyLength} characters");
    }

    [Fact]
    public void Filter_sets_past_the_bounds_are_a_400()
    {
        var (status, body) = _s.Query(Filters(SpanFilterParser.MaxFilters + 1, 1));
        AssertInvalid(status, body, "filters", $"more than {SpanFilterParser.MaxFilters} filters");

        (status, body) = _s.Query(Filters(1, SpanFilterParser.MaxValues + 1));
        AssertInvalid(status, body, "filters[0].value", $"1 to {SpanFilterParser.MaxValues} values");

        // Each list within its bound, the sum past the bound for all of them: the 64 lists of 1,000.
        (status, body) = _s.Query(Filters(SpanFilterParser.MaxFilters, SpanFilterParser.MaxValues));
        AssertInvalid(status, body, "filters", $"at most {SpanQueryParser.MaxTotalValues} are allowed in all");

        var ids = string.Join(",", Enumerable.Range(0, SpanQueryParser.MaxListLength + 1).Select(i => $"\"{Id(i)}\""));
        (status, body) = _s.Query($$"""{{{Start}},"spanIds":[{{ids}}]}""");
        AssertInvalid(status, body, "spanIds", $"more than {SpanQueryParser.MaxListLength} entries");
    }

    [Fact]
    public void Lists_at_the_bound_run_and_match()
    {
        // 10 lists of 1,000 values (the total bound), each naming every span's value: all 25 match.
        var values = string.Join(",", Enumerable.Range(0, SpanFilterParser.MaxValues).Select(v => $"\"v{(v % 25) + 1}\""));
        var filters = Enumerable.Range(0, 10).Select(_ => $$"""{"spanAttributeKey":"k","operator":"IN","value":[{{values}}]}""");
        var json = $$"""{{{Start}},"filters":[{{string.Join(",", filters)}}]}""";
        Assert.Equal(SpanQueryParser.MaxTotalValues, 10 * SpanFilterParser.MaxValues);
        Assert.Equal(Enumerable.Range(1, 25).Reverse().Select(Id), _s.SpanIds(json));

        var narrow = $$"""{{{Start}},"filters":[{"spanAttributeKey":"k","operator":"IN","value":["v7","v9","nope"]},{"spanAttributeKey":"k","operator":"NOT_IN","value":["v9"]}]}""";
        Assert.Equal([Id(7)], _s.SpanIds(narrow));
    }

    [Fact]
    public void A_list_is_one_parameter_whatever_its_length()
    {
        // Parameters are bound by name, and SQLite looks a name up by scanning them all: a parameter per
        // value made binding quadratic (8 lists of 1,000 took 3.4 s; 64 exceeded SQLite's parameter cap).
        Assert.True(SpanQueryParser.TryParse(Encoding.UTF8.GetBytes(Filters(10, 1000)), out var q, out var error), error?.Message);
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var command = connection.CreateCommand();
        SpanQuerySql.Build(command, q!, Project, T0, null, 201);
        // The project, the window's two ends, and per filter its key's path and its list.
        Assert.Equal(3 + 10 * 2, command.Parameters.Count);
    }

    private static string Filters(int count, int values)
    {
        var list = string.Join(",", Enumerable.Range(0, values).Select(v => $"\"v{v}\""));
        var filters = Enumerable.Range(0, count).Select(_ => $$"""{"spanAttributeKey":"k","operator":"IN","value":[{{list}}]}""");
        return $$"""{{{Start}},"filters":[{{string.Join(",", filters)}}]}""";
    }

    private static void AssertInvalid(int status, System.Text.Json.JsonElement body, string param, string message)
    {
        Assert.True(status == 400, $"status {status}: {body}");
        var error = body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
    }
}
