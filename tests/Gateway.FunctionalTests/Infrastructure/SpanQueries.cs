using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>The span query API of a gateway under test (POST /api/svc/v1/spans/query), over HTTP in both modes.</summary>
public static class SpanQueries
{
    /// <summary>
    /// The spans of the last five minutes that match <paramref name="fields"/>, more query fields with a leading
    /// comma (e.g. <c>,"traceIds":["..."]</c>); asserts a 200. <paramref name="key"/> null: anonymous mode.
    /// </summary>
    public static Task<List<JsonElement>> QuerySpansAsync(this GatewayUnderTest gateway, string fields, string? key = null) => gateway.Client.QuerySpansAsync(fields, key);

    /// <summary><see cref="QuerySpansAsync(GatewayUnderTest, string, string?)"/> through a client of a gateway started otherwise (a process of the test's own).</summary>
    public static async Task<List<JsonElement>> QuerySpansAsync(this HttpClient client, string fields, string? key = null)
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/svc/v1/spans/query")
        {
            Content = new StringContent($$"""{"startTime":"{{start}}","limit":1000{{fields}}}""", Encoding.UTF8, "application/json"),
        };
        if (key is not null) request.Headers.Authorization = new("Bearer", key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Polls <see cref="QuerySpansAsync"/> until it returns <paramref name="count"/> spans or more: the store writes off the request path.</summary>
    public static Task<List<JsonElement>> WaitForStoredSpansAsync(this GatewayUnderTest gateway, string fields, int count, string? key = null) => gateway.Client.WaitForStoredSpansAsync(fields, count, key);

    public static Task<List<JsonElement>> WaitForStoredSpansAsync(this HttpClient client, string fields, int count, string? key = null) =>
        Poll.ForAsync(() => client.QuerySpansAsync(fields, key), spans => spans.Count >= count, spans => $"{spans.Count} of {count} spans stored for query {fields}");

    public static string TraceFilter(string traceId) => $$""","traceIds":["{{traceId}}"]""";
}
