using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Gateway.FunctionalTests.Infrastructure;
using Gateway.Spans;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Issue #9 item 11: anonymous mode (no API keys) serves the span query API to this machine only,
/// unless span_store.allow_anonymous_remote. The tests' own requests come from loopback, so a remote
/// caller is either a request relayed by a proxy (X-Forwarded-For: the whole gateway, in process or the
/// AOT binary) or a connection whose remote address a middleware rewrites (in process).
/// </summary>
public sealed class AnonymousAccessTests : IAsyncLifetime
{
    private const string Query = """{"startTime":"2025-06-01T00:00:00Z"}""";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-spans-anon-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private string Yaml(bool? allowRemote) => $"""
        providers:
          - name: mock
            type: mock
            models: [echo]
        span_store:
          path: {Path.Combine(_directory, "spans.db")}
        {(allowRemote is bool b ? $"  allow_anonymous_remote: {(b ? "true" : "false")}" : "")}
        """;

    [Fact]
    public async Task By_default_the_gateway_answers_loopback_and_refuses_a_relayed_caller()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml(null));
        var (status, _) = await PostAsync(gateway.Client);
        Assert.Equal(200, status);

        (status, var body) = await PostAsync(gateway.Client, ("X-Forwarded-For", "203.0.113.7"));
        AssertRefused(status, body);
        lock (gateway.Output) Assert.DoesNotContain(gateway.Output, l => l.Contains("allow_anonymous_remote: true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_switch_serves_every_caller_and_the_startup_log_says_so()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml(true));
        var (status, body) = await PostAsync(gateway.Client, ("X-Forwarded-For", "203.0.113.7"));
        Assert.True(status == 200, $"{status}: {body}");
        Assert.True(await gateway.WaitForOutputAsync("span_store.allow_anonymous_remote: true"), "no startup line about remote anonymous access");
    }

    [Theory]
    [InlineData(false, 403)]
    [InlineData(true, 200)]
    public async Task A_connection_from_a_remote_address(bool allowRemote, int expected)
    {
        var config = ConfigLoader.Load(Yaml(allowRemote), "anon-test.yaml");
        await using var spans = SpanFeature.Start(config, _ => null,
            ctx => AnonymousQueryAccess.Resolve(new ApiKeyStore([]), ctx, config.SpanStore.AllowAnonymousRemote), NullLogger.Instance);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        // What Kestrel reports for a client on another machine (the tests can only connect over loopback).
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
            return next(context);
        });
        app.Run(spans.Handler.HandleAsync);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var (status, body) = await PostAsync(client);
        if (expected == 403) AssertRefused(status, body);
        else Assert.True(status == expected, $"{status}: {body}");
        await app.StopAsync();
    }

    private static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient client, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SpanQueryHandler.Path) { Content = new StringContent(Query, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    private static void AssertRefused(int status, JsonElement body)
    {
        Assert.True(status == 403, $"{status}: {body}");
        var error = body.GetProperty("error");
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Equal("anonymous_remote_forbidden", error.GetProperty("code").GetString());
        Assert.Contains("span_store.allow_anonymous_remote", error.GetProperty("message").GetString());
    }
}
