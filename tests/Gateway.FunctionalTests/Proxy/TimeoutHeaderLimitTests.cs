using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

/// <summary>
/// The timeout headers against the operator's limits: lowering always works; raising only with
/// <c>server.allow_timeout_increase_by_header: true</c>, else the configured limit holds.
/// </summary>
public sealed class TimeoutHeaderLimitTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private Task<GatewayUnderTest> StartAsync(string server) => GatewayUnderTest.StartAsync(Configs.OneUpstream(_upstream, server));

    private static async Task<HttpResponseMessage> PostAsync(GatewayUnderTest gateway, bool stream, string header, string value)
    {
        var json = $$"""{"model":"fake/gpt-4o","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add(header, value);
        return await gateway.Client.SendAsync(request);
    }

    /// <summary>Answers after <paramref name="delayMs"/>, or never if the gateway gives up first.</summary>
    private void AnswerAfter(int delayMs) => _upstream.Handler = async (ctx, _) =>
    {
        await Task.Delay(delayMs, ctx.RequestAborted);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"late"},"finish_reason":"stop"}]}""", ctx.RequestAborted);
    };

    private static async Task<string> MessageOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!;

    [Fact]
    public async Task ARequestTimeoutHeader_CannotRaiseTheConfiguredLimit()
    {
        await using var gateway = await StartAsync("  request_timeout_ms: 300");
        AnswerAfter(5_000);

        using var response = await PostAsync(gateway, stream: false, "x-tfy-request-timeout", "60000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("request timeout of 300 ms", await MessageOf(response));
    }

    [Fact]
    public async Task ATtftTimeoutHeader_CannotRaiseTheConfiguredLimit()
    {
        await using var gateway = await StartAsync("  ttft_timeout_ms: 300");
        AnswerAfter(5_000);

        using var response = await PostAsync(gateway, stream: true, "x-tfy-ttft-timeout-ms", "60000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("time to first token timeout of 300 ms", await MessageOf(response));
    }

    [Fact]
    public async Task AHeader_StillLowersTheConfiguredLimit()
    {
        await using var gateway = await StartAsync("  request_timeout_ms: 60000");
        AnswerAfter(5_000);

        using var response = await PostAsync(gateway, stream: false, "x-tfy-request-timeout", "300");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("request timeout of 300 ms", await MessageOf(response));
    }

    [Fact]
    public async Task WithTheSwitchOn_AHeaderMayRaiseTheLimit()
    {
        await using var gateway = await StartAsync("  request_timeout_ms: 300\n  allow_timeout_increase_by_header: true");
        AnswerAfter(800);

        using var response = await PostAsync(gateway, stream: false, "x-tfy-request-timeout", "20000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("late", await response.Content.ReadAsStringAsync());
    }
}
