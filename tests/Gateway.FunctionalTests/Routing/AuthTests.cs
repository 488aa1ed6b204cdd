using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Routing;

public sealed class AuthTests : RoutingTestBase
{
    private const string AliceKey = "sk-alice-0123456789";
    private const string AppKey = "sk-app-9876543210";

    private static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private Task StartWithKeysAsync() => StartGatewayAsync($$"""
        auth:
          api_keys:
            - key_hash: {{Hash(AliceKey)}}
              subject: user:alice@example.com
              teams: [eng]
              tenant: acme
            - key: ${APP_KEY}
              subject: virtualaccount:billing
        """, env: new Dictionary<string, string> { ["APP_KEY"] = AppKey });

    [Fact]
    public async Task NoKeys_ServesAnonymousCallers_AndSaysSoAtStartup()
    {
        await StartGatewayAsync("");

        using var response = await Gateway.Chat("a/m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await Gateway.WaitForOutputAsync("no API keys configured: serving anonymous callers"), string.Join('\n', Gateway.Output));
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("Bearer sk-not-a-key", "invalid_api_key")]
    [InlineData("Basic YWxpY2U6cHc=", "invalid_authorization_header")]
    [InlineData("Bearer", "invalid_authorization_header")]
    [InlineData(AliceKey, "invalid_authorization_header")]
    public async Task MissingWrongOrMalformedKey_Is401(string? authorization, string code)
    {
        await StartWithKeysAsync();
        foreach (var path in new[] { "/v1/chat/completions", "/v1/models", "/chat/completions", "/v1/nope" })
        {
            using var request = new HttpRequestMessage(path.EndsWith("models") ? HttpMethod.Get : HttpMethod.Post, path)
            {
                Content = new StringContent(GatewayRequests.ChatBody("a/m"), Encoding.UTF8, "application/json"),
            };
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

            using var response = await Gateway.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        }
        Assert.Empty(A.Requests);
    }

    [Fact]
    public async Task RightKeys_AreServed_AndProbesStayOpen()
    {
        await StartWithKeysAsync();

        using (var alice = await Gateway.Chat("a/m", key: AliceKey))
        {
            Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        }
        using (var app = await Gateway.Chat("a/m", key: AppKey))
        {
            Assert.Equal(HttpStatusCode.OK, app.StatusCode);
        }
        using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        using (var list = await Gateway.Client.SendAsync(models))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(2, A.Requests.Count);
        Assert.False(A.Requests.First().Headers.ContainsKey("Authorization"), "the client's key must not reach the upstream");
    }

    [Theory]
    [InlineData("x-tfy-metadata", "{\"env\":1}")]
    [InlineData("x-tfy-metadata", "{\"env\":\"prod\"")]
    [InlineData("x-tfy-conversation-id", "")]
    public async Task BadRequestContextHeaders_Are400(string header, string value)
    {
        await StartGatewayAsync("");

        using var response = await Gateway.Chat("a/m", headers: (header, value));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(header, error.GetProperty("param").GetString());
        Assert.Empty(A.Requests);
    }
}
