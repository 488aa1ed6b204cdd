using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Routing;

public sealed class FailoverTests : RoutingTestBase
{
    [Fact]
    public async Task NonStream_503_IsRetriedWithTheDefaults_ThenFallsBack()
    {
        await StartGatewayAsync(PriorityModel());
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 503);

        using var response = await Gateway.Chat("vm");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("from B", await response.Content.ReadAsStringAsync());
        // retry_config defaults: 2 retries after the first try, on 429/500/502/503.
        Assert.Equal(3, A.Requests.Count);
        var sent = Assert.Single(B.Requests);
        Assert.Contains("\"model\":\"b-model\"", sent.BodyText);
        Assert.Empty(C.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Status429_FallsBack(bool stream)
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry));
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 429, "rate limited");

        using var response = await Gateway.Chat("vm", stream);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("from B", stream ? FakeResponses.StreamedText(body) : JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        if (stream) Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.Single(A.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionReset_FallsBack(bool stream)
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry));
        A.Handler = (ctx, _) => FakeResponses.Reset(ctx);

        using var response = await Gateway.Chat("vm", stream);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("B", await response.Content.ReadAsStringAsync());
        Assert.Single(A.Requests);
        Assert.Single(B.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stall_TimesOutPerAttempt_AndFallsBack(bool stream)
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry));
        A.Handler = (ctx, _) => FakeResponses.Stall(ctx);

        using var response = await Gateway.Chat("vm", stream, headers: ("x-tfy-request-timeout", "300"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("B", await response.Content.ReadAsStringAsync());
        Assert.Single(B.Requests);
    }

    [Fact]
    public async Task AfterTheFirstStreamedByte_NoFallback_TheClientGetsAnErrorEvent()
    {
        await StartGatewayAsync(PriorityModel());
        // The connection dies once the client has the first event (a reset would discard unread bytes).
        var clientHasFirstEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        A.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.WriteAsync("data: " + FakeResponses.Chunk("partial") + "\n\n");
            await ctx.Response.Body.FlushAsync();
            await clientHasFirstEvent.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };

        using var response = await Gateway.Chat("vm", stream: true);
        var (body, truncated) = await Sse.ReadRawAsync(response, sofar =>
        {
            if (sofar.Contains("\n\n", StringComparison.Ordinal)) clientHasFirstEvent.TrySetResult();
        });
        Assert.True(truncated, "a failed stream must not end cleanly");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("partial", FakeResponses.StreamedText(body));
        var errorLine = body.Split('\n').Single(l => l.StartsWith("data: {\"error\"", StringComparison.Ordinal));
        Assert.Equal("upstream_error", JsonDocument.Parse(errorLine[6..]).RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain("[DONE]", body);
        Assert.Single(A.Requests);
        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task KeepalivesOnly_DoNotPreventFallback()
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry), server: "sse_keepalive_ms: 50");
        A.Handler = (ctx, _) => FakeResponses.Stall(ctx);

        using var response = await Gateway.Chat("vm", stream: true, headers: ("x-tfy-request-timeout", "400"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.StartsWith(": keepalive\n\n", body);
        Assert.Equal("from B", FakeResponses.StreamedText(body));
        Assert.DoesNotContain("\"error\"", body);
        Assert.EndsWith("data: [DONE]\n\n", body);
    }

    [Fact]
    public async Task KeepalivesThenEveryTargetFails_TheClientGetsAnErrorEvent()
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry, b: NoRetry, c: ", fallback_candidate: false"), server: "sse_keepalive_ms: 50");
        A.Handler = (ctx, _) => FakeResponses.Stall(ctx);
        B.Handler = (ctx, _) => FakeResponses.Stall(ctx);

        using var response = await Gateway.Chat("vm", stream: true, headers: ("x-tfy-request-timeout", "300"));
        var (body, truncated) = await Sse.ReadRawAsync(response);
        Assert.True(truncated, "a failed stream must not end cleanly");

        Assert.StartsWith(": keepalive\n\n", body);
        var errorLine = body.Split('\n').Single(l => l.StartsWith("data: {\"error\"", StringComparison.Ordinal));
        Assert.Equal("upstream_timeout", JsonDocument.Parse(errorLine[6..]).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(C.Requests);
    }

    [Fact]
    public async Task StatusOutsideTheFallbackCodes_IsDeliveredAsIs()
    {
        await StartGatewayAsync(PriorityModel());
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 400, "bad request from A");

        using var response = await Gateway.Chat("vm");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("bad request from A", await response.Content.ReadAsStringAsync());
        Assert.Single(A.Requests);
        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task ConfiguredFallbackCodes_AndFallbackCandidate_AreHonoured()
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry + ", fallback_status_codes: [\"418\"]", b: ", fallback_candidate: false"));
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 418);

        using var response = await Gateway.Chat("vm");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("from C", await response.Content.ReadAsStringAsync());
        Assert.Empty(B.Requests);
    }

    [Fact]
    public async Task EveryTargetFails_TheLastAnswerReachesTheClient()
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry, b: NoRetry, c: NoRetry));
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 503, "A down");
        B.Handler = (ctx, _) => FakeResponses.Error(ctx, 500, "B down");
        C.Handler = (ctx, _) => FakeResponses.Error(ctx, 502, "C down");

        using var response = await Gateway.Chat("vm");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("C down", await response.Content.ReadAsStringAsync());
        Assert.Equal([1, 1, 1], new[] { A.Requests.Count, B.Requests.Count, C.Requests.Count });
    }

    [Fact]
    public async Task RetryHeader_OverridesTheConfig_AndMalformedIs400()
    {
        await StartGatewayAsync("");
        var calls = 0;
        A.Handler = (ctx, _) => Interlocked.Increment(ref calls) <= 2 ? FakeResponses.Error(ctx, 500) : FakeResponses.Completion(ctx, "third time");

        // A direct model does not retry unless the client asks.
        using (var first = await Gateway.Chat("a/m"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        }
        using (var retried = await Gateway.Chat("a/m", headers: ("x-tfy-retry-config", """{"attempts":3,"delay":10,"onStatusCodes":[429,500,503]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.Contains("third time", await retried.Content.ReadAsStringAsync());
        }
        Assert.Equal(3, A.Requests.Count);

        using var bad = await Gateway.Chat("a/m", headers: ("x-tfy-retry-config", """{"attempts":"many"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("x-tfy-retry-config", error.GetProperty("param").GetString());
        Assert.Equal(3, A.Requests.Count);
    }

    [Fact]
    public async Task RetryHeader_SnakeCase_CanTurnRetriesOff()
    {
        await StartGatewayAsync(PriorityModel(b: NoRetry));
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 503);

        using var response = await Gateway.Chat("vm", headers: ("x-tfy-retry-config", """{"attempts":0,"on_status_codes":["503"]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(A.Requests);
    }

    [Fact]
    public async Task OverrideParams_ReplaceAndInsertTopLevelFields()
    {
        await StartGatewayAsync(PriorityModel(a: ", override_params: {temperature: 0.1, max_tokens: 7, metadata: {source: gateway}}"));

        using var response = await Gateway.Chat("vm", extra: ",\"temperature\":0.9,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(A.Requests);
        Assert.Equal(
            """{"model":"a-model","messages":[{"role":"user","content":"hi"}],"temperature":0.1,"tools":[{"type":"function","function":{"name":"f"}}],"max_tokens":7,"metadata":{"source":"gateway"}}""",
            sent.BodyText);
    }

    [Fact]
    public async Task FailingTarget_IsSkippedForTheCooldown()
    {
        await StartGatewayAsync(PriorityModel(a: NoRetry, b: NoRetry) + "\nrouting: {health: {failure_threshold: 1, cooldown_ms: 60000}}");
        A.Handler = (ctx, _) => FakeResponses.Error(ctx, 500);

        for (var i = 0; i < 3; i++)
        {
            using var response = await Gateway.Chat("vm");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Single(A.Requests);
        Assert.Equal(3, B.Requests.Count);
    }
}
