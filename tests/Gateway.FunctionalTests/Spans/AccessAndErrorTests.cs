using System.Net;
using System.Text;
using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>401 without a subject, 403 outside the collaborators, 400 with a message for bad input.</summary>
public sealed class AccessAndErrorTests : IAsyncLifetime
{
    private SpanQueryServer _server = null!;
    private string _body = "";

    public async Task InitializeAsync()
    {
        _server = await SpanQueryServer.StartAsync();
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < 3; i++) ChatCompletion("user:example@email.com", _server.Project, start.AddSeconds(i));
        await _server.FlushAsync();
        _body = $"{{\"tracingProjectFqn\":\"{_server.Project}\",\"startTime\":\"{Iso(start.AddMinutes(-1))}\"}}";
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task Unauthenticated_is_401(string? token)
    {
        var (status, body) = await _server.QueryAsync(_body, token);
        Assert.Equal(401, status);
        Assert.Equal("invalid_api_key", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Outside_the_collaborators_is_403()
    {
        var (status, body) = await _server.QueryAsync(_body, SpanQueryServer.StrangerToken);
        Assert.Equal(403, status);
        Assert.Contains("user:mallory@acme.com", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains(_server.Project, body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(SpanQueryServer.AdminToken)]
    [InlineData(SpanQueryServer.CollaboratorToken)]
    [InlineData(SpanQueryServer.TeamToken)]
    public async Task Collaborators_teams_and_admins_read(string token)
    {
        var (status, body) = await _server.QueryAsync(_body, token);
        Assert.Equal(200, status);
        Assert.Equal(9, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task The_default_project_is_used_when_none_is_named()
    {
        var (status, body) = await _server.QueryAsync(_body.Replace($"\"tracingProjectFqn\":\"{_server.Project}\",", ""), SpanQueryServer.CollaboratorToken);
        Assert.Equal(200, status);
        Assert.Equal(9, body.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"startTime":"last tuesday"}""", "startTime", "not an ISO 8601 time")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","endTime":"2025-06-01T00:00:00+25:00"}""", "endTime", "not an ISO 8601 time")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","traceId":"abc"}""", "traceId", "Unknown field 'traceId'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","filters":[{"spanAttributeKey":"x","operator":"MATCHES","value":"y"}]}""", "filters[0].operator", "Unknown operator 'MATCHES'")]
    [InlineData("""{"startTime":"2025-06-01T00:00:00Z","pageToken":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", "pageToken", "not valid")]
    public async Task Bad_input_is_400_with_an_openai_error(string json, string param, string message)
    {
        var (status, body) = await _server.QueryAsync(json);
        Assert.Equal(400, status);
        var error = body.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_forged_page_token_is_400()
    {
        var (_, first) = await _server.QueryAsync(_body.TrimEnd('}') + ",\"limit\":1}");
        var token = first.GetProperty("pagination").GetProperty("nextPageToken").GetString()!;
        Assert.Equal(200, (await _server.QueryAsync(_body.TrimEnd('}') + $",\"limit\":1,\"pageToken\":\"{token}\"}}")).Status);
        var forged = token[..^3] + (token[^3] == 'x' ? 'y' : 'x') + token[^2..];
        var (status, body) = await _server.QueryAsync(_body.TrimEnd('}') + $",\"limit\":1,\"pageToken\":\"{forged}\"}}");
        Assert.Equal(400, status);
        Assert.Equal("invalid_page_token", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("signature", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Other_methods_are_405()
    {
        using var response = await _server.Client.GetAsync("/api/svc/v1/spans/query");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Not_json_is_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/svc/v1/spans/query") { Content = new StringContent("start=yesterday", Encoding.UTF8, "text/plain") };
        request.Headers.Authorization = new("Bearer", SpanQueryServer.AdminToken);
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_json", await response.Content.ReadAsStringAsync());
    }
}
