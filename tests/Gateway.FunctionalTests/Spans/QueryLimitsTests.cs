using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Issue #9 item 10 on the whole gateway (in process, or the AOT binary with GATEWAY_BINARY): keys with
/// control characters and filter sets past the bounds are a 400 naming the field, over spans the
/// gateway stored from its own requests. Anonymous mode, from loopback: the caller is the store's admin.
/// </summary>
public sealed class QueryLimitsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-spans-limits-" + Guid.NewGuid().ToString("N"));
    private readonly string _start = TracedRequests.Iso(DateTimeOffset.UtcNow.AddMinutes(-5));
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _gateway = await GatewayUnderTest.StartAsync($"""
            providers:
              - name: mock
                type: mock
                models: [echo]
            span_store:
              path: {Path.Combine(_directory, "spans.db")}
            """);
        for (var i = 0; i < 3; i++)
        {
            using var response = await _gateway.Chat("mock/echo", headers: ("x-tfy-metadata", """{"env":"test"}"""));
            Assert.Equal(200, (int)response.StatusCode);
        }
        // The store writes off the request path: wait until the spans are there to be filtered.
        await Poll.UntilAsync(async () => (await QueryAsync($$"""{"startTime":"{{_start}}"}""")).Body.GetProperty("data").GetArrayLength() > 0, "spans are stored");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("spanAttributeKey", "\\u0000")]
    [InlineData("spanAttributeKey", "tfy.model.name\\u0000")]
    [InlineData("spanAttributeKey", "x\\u0007")]
    [InlineData("gatewayRequestMetadataKey", "\\u0000")]
    [InlineData("gatewayRequestMetadataKey", "env\\r\\n")]
    public async Task A_control_character_in_a_key_is_a_400_naming_the_field(string field, string escapedKey)
    {
        var (status, body) = await QueryAsync($$"""{"startTime":"{{_start}}","filters":[{"{{field}}":"{{escapedKey}}","operator":"EQUAL","value":"x"}]}""");
        AssertInvalid(status, body, $"filters[0].{field}");
    }

    [Fact]
    public async Task Sixty_four_lists_of_a_thousand_values_are_a_400()
    {
        // The query: 16 s of CPU on 25 spans, and it kept running after the client left.
        var values = string.Join(",", Enumerable.Range(0, 1000).Select(v => $"\"v{v}\""));
        var filters = string.Join(",", Enumerable.Range(0, 64).Select(_ => $$"""{"spanAttributeKey":"tfy.model.name","operator":"IN","value":[{{values}}]}"""));
        var (status, body) = await QueryAsync($$"""{"startTime":"{{_start}}","filters":[{{filters}}]}""");
        AssertInvalid(status, body, "filters");
    }

    [Fact]
    public async Task Lists_within_the_bounds_still_run()
    {
        var values = string.Join(",", Enumerable.Range(0, 999).Select(v => $"\"v{v}\"").Append("\"test\""));
        var filters = string.Join(",", Enumerable.Range(0, 10).Select(_ => $$"""{"gatewayRequestMetadataKey":"env","operator":"IN","value":[{{values}}]}"""));
        var (status, body) = await QueryAsync($$"""{"startTime":"{{_start}}","filters":[{{filters}}]}""");
        Assert.True(status == 200, $"{status}: {body}");
        Assert.True(body.GetProperty("data").GetArrayLength() > 0);
    }

    private async Task<(int Status, JsonElement Body)> QueryAsync(string json)
    {
        using var response = await _gateway.Client.PostAsync("/api/svc/v1/spans/query", new StringContent(json, Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    private static void AssertInvalid(int status, JsonElement body, string param)
    {
        Assert.True(status == 400, $"{status}: {body}");
        var error = body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }
}
