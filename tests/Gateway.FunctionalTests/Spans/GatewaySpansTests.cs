using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using static Gateway.FunctionalTests.Spans.TracedRequests;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// The whole gateway: the span store on by config, fed by its own listener, the query endpoint on
/// its dispatch, and `gateway spans query` against it. Anonymous mode (no API keys): the caller is
/// the admin of the local store.
/// </summary>
public sealed class GatewaySpansTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-spans-e2e-" + Guid.NewGuid().ToString("N"));
    private readonly string _project = "e" + Guid.NewGuid().ToString("N")[..12] + ":tracing-project:default";
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _gateway = await GatewayUnderTest.StartAsync($"""
            providers:
              - name: mock
                type: mock
                token_delay_ms: 1
                models: [echo]
            span_store:
              path: {Path.Combine(_directory, "spans.db")}
            tracing_projects:
              default: {_project}
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_gateway_serves_the_query_api_in_anonymous_mode()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = $"{{\"startTime\":\"{Iso(start)}\"}}";
        using var response = await _gateway.Client.PostAsync("/api/svc/v1/spans/query", new StringContent(body));
        Assert.Equal(200, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("data").ValueKind);

        using var bad = await _gateway.Client.PostAsync("/api/svc/v1/spans/query", new StringContent("{\"startTime\":\"soon\"}"));
        Assert.Equal(400, (int)bad.StatusCode);
    }

    [InProcessFact(Reason = "Makes its spans in this process, which cannot reach another process's store; RealRequestSpanTests covers the binary's store through real requests.")]
    public async Task Spans_made_in_process_are_stored_and_queried_with_the_cli()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        // Marked as this gateway's requests are: a gateway stores only the trees it owns.
        var owner = _gateway.App!.Owner;
        var user = ChatCompletion("user:example@email.com", _project, start, owner: owner);
        var account = ChatCompletion("virtualaccount:exampleaccount", _project, start.AddSeconds(1), owner: owner);
        // A span without a project lands in the configured default.
        var unassigned = ChatCompletion("virtualaccount:exampleaccount", "", start.AddSeconds(2), owner: owner);
        // A tree no gateway marked (another gateway in this process that left a span unmarked) is not this one's:
        // before, every gateway's store kept it, and RealRequestSpanTests counted spans it never made.
        ChatCompletion("virtualaccount:exampleaccount", _project, start.AddSeconds(3));

        var url = _gateway.BaseUrl.ToString();
        // The store writes off the request path: wait until the writer has everything ended so far.
        await _gateway.App!.Spans.Store!.FlushAsync();
        var (code, output, error) = await Cli("query", "--url", url, "--start", Iso(start.AddSeconds(-1)), "--subject", "virtualaccount:exampleaccount", "--output", "json");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!).Order();
            Assert.Equal(account.SpanIds.Concat(unassigned.SpanIds).Order(), ids);
        }

        (code, output, error) = await Cli("query", "--url", url, "--project", _project, "--start", "5m", "--root", "--filter", "meta:env PRESENT", "--limit", "1");
        Assert.True(code == 0, error);
        Assert.Equal(["START (UTC)"], output.Split('\n').Take(1).Select(l => l.Split("  ")[0]));

        (code, output, error) = await Cli("query", "--url", url, "--start", "5m", "--root", "--limit", "1", "--all");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // header + the three roots, one page each
        Assert.Contains(lines, l => l.Contains(user.RootId) && l.Contains("user:example@email.com") && l.Contains("chatCompletions"));
        Assert.Empty(error);

        (code, output, error) = await Cli("query", "--url", url, "--trace-id", user.TraceId, "--filter", "field:spanName = Model", "--output", "json", "--start", "1h");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.Equal(user.ModelId, doc.RootElement.GetProperty("data")[0].GetProperty("spanId").GetString());
        }
    }

    [Fact]
    public async Task Cli_reports_bad_input_and_api_errors()
    {
        var url = _gateway.BaseUrl.ToString();
        var (code, _, error) = await Cli("query", "--url", url, "--start", "yesterday");
        Assert.Equal(2, code);
        Assert.Contains("neither an ISO 8601 time nor an age", error);
        (code, _, error) = await Cli("query", "--url", url, "--filter", "attr:x LIKE y");
        Assert.Equal(2, code);
        Assert.Contains("unknown operator 'LIKE'", error);
        (code, _, error) = await Cli("query", "--url", url, "--page-token", "forged");
        Assert.Equal(1, code);
        Assert.Contains("400", error);
        Assert.Contains("pageToken is not valid", error);
        (code, _, error) = await Cli("query", "--url", "http://127.0.0.1:1", "--start", "1h");
        Assert.Equal(1, code);
        Assert.Contains("cannot reach", error);
    }

    private static async Task<(int Code, string Output, string Error)> Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Gateway.Cli.RunAsync(["spans", .. args], output, error, _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
