using Gateway.Proxy;
using Gateway.Providers;
using Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Proxy;

public sealed class RequestContextHeadersTests
{
    private static (bool Ok, Exchange Exchange, RetryOverride? Retry, string? Error) Apply(params (string Name, string Value)[] headers)
    {
        var dict = new HeaderDictionary();
        foreach (var (n, v) in headers) dict.Append(n, v);
        var exchange = new Exchange { Operation = Operation.Chat, StartTimestamp = 1 };
        var ok = RequestContextHeaders.TryApply(dict, exchange, out var retry, out var error);
        if (!ok)
        {
            Assert.Equal(400, error!.Status);
            Assert.Equal("invalid_request_error", error.Type);
        }
        return (ok, exchange, retry, error?.Message);
    }

    [Fact]
    public void NoHeaders_LeaveTheDefaults()
    {
        var (ok, exchange, retry, _) = Apply();
        Assert.True(ok);
        Assert.Empty(exchange.Metadata);
        Assert.Null(exchange.ConversationId);
        Assert.Null(retry);
    }

    [Fact]
    public void Metadata_AndConversationId_TravelWithTheExchange()
    {
        var (ok, exchange, _, _) = Apply(("x-tfy-metadata", """{"env":"prod","team":"a\u00e9"}"""), ("x-tfy-conversation-id", " conv-1 "));
        Assert.True(ok);
        Assert.Equal("prod", exchange.Metadata["env"]);
        Assert.Equal("a\u00e9", exchange.Metadata["team"]);
        Assert.Equal("conv-1", exchange.ConversationId);
    }

    [Theory]
    [InlineData("[1]", "it must be a JSON object of string keys to string values")]
    [InlineData("""{"n":1}""", "the value of 'n' must be a string")]
    [InlineData("""{"a":"b"} x""", "invalid JSON")]
    [InlineData("""{"a":"b","a":"c"}""", "the key 'a' appears twice")]
    [InlineData("""{"":"b"}""", "keys must be 1 to 128 characters")]
    [InlineData("not json", "invalid JSON")]
    [InlineData("""{"k":"\ud800"}""", "not valid text")]
    [InlineData("""{"\udc00":"v"}""", "not valid text")]
    public void Metadata_BadInput_Is400(string value, string problem)
    {
        var (ok, _, _, error) = Apply(("x-tfy-metadata", value));
        Assert.False(ok);
        Assert.StartsWith("The header 'x-tfy-metadata' is invalid: ", error);
        Assert.Contains(problem, error);
    }

    [Fact]
    public void Metadata_ValueLimitIs128Characters()
    {
        Assert.True(Apply(("x-tfy-metadata", $$"""{"k":"{{new string('v', 128)}}"}""")).Ok);
        var (ok, _, _, error) = Apply(("x-tfy-metadata", $$"""{"k":"{{new string('v', 129)}}"}"""));
        Assert.False(ok);
        Assert.Contains("longer than 128 characters", error);
    }

    [Fact]
    public void ConversationId_TooLong_Is400()
    {
        Assert.False(Apply(("x-tfy-conversation-id", new string('c', 257))).Ok);
    }

    [Theory]
    [InlineData("""{"attempts":3,"onStatusCodes":[429,500,503]}""", 3, null, new[] { 429, 500, 503 })]
    [InlineData("""{"attempts":0,"delay":250,"on_status_codes":["502"]}""", 0, 250, new[] { 502 })]
    [InlineData("""{"delay":5}""", null, 5, null)]
    public void RetryConfig_Parses(string value, int? attempts, int? delay, int[]? codes)
    {
        var (ok, _, retry, error) = Apply(("x-tfy-retry-config", value));
        Assert.True(ok, error);
        Assert.Equal(attempts, retry!.Attempts);
        Assert.Equal(delay, retry.DelayMs);
        if (codes is null) Assert.Null(retry.OnStatusCodes);
        else Assert.True(retry.OnStatusCodes!.SetEquals(codes));
    }

    [Theory]
    [InlineData("""{"attempts":11}""", "'attempts' must be an integer from 0 to 10")]
    [InlineData("""{"attempts":"3"}""", "'attempts' must be an integer")]
    [InlineData("""{"onStatusCodes":[99]}""", "must hold HTTP status codes")]
    [InlineData("""{"onStatusCodes":429}""", "must be an array")]
    [InlineData("""{"retries":1}""", "unknown field 'retries'")]
    [InlineData("""{"attempts":1""", "invalid JSON")]
    [InlineData("3", "it must be a JSON object")]
    [InlineData("""{"\ud800":1}""", "not valid text")]
    [InlineData("""{"onStatusCodes":["\ud800"]}""", "not valid text")]
    public void RetryConfig_BadInput_Is400(string value, string problem)
    {
        var (ok, _, _, error) = Apply(("x-tfy-retry-config", value));
        Assert.False(ok);
        Assert.StartsWith("The header 'x-tfy-retry-config' is invalid: ", error);
        Assert.Contains(problem, error);
    }

    [Fact]
    public void RetryOverride_AppliesToASteps_KeepingWhatItLeavesOut()
    {
        Assert.True(RetryOverride.TryParse("""{"attempts":4}""", out var retry, out _));
        var upstream = new Upstream(new Gateway.Config.ProviderConfig { Name = "p", Kind = Gateway.Config.ProviderKind.Mock, Models = [] });
        var step = new RouteStep(new ModelTarget(upstream, new Gateway.Config.ModelConfig { Name = "m", UpstreamModel = "m" }))
        {
            Attempts = 3, RetryDelayMs = 100, RetryOnStatus = new HashSet<int> { 429 }, FallbackOnStatus = new HashSet<int> { 500 },
        };
        var copy = step.With(retry!);
        Assert.Equal(5, copy.Attempts);
        Assert.Equal(100, copy.RetryDelayMs);
        Assert.Same(step.RetryOnStatus, copy.RetryOnStatus);
        Assert.Same(step.FallbackOnStatus, copy.FallbackOnStatus);
        upstream.Dispose();
    }
}
