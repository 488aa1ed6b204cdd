using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Spans;
using Gateway.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// The query endpoint on a real Kestrel (127.0.0.1, any port) over a real SQLite file in a temp
/// directory, fed by the real processor listening to the gateway's ActivitySource. Callers are
/// authenticated by a test dictionary of bearer tokens: that delegate is the seam auth will fill;
/// the access control behind it is the production code.
/// </summary>
public sealed class SpanQueryServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SpanFeature _spans;
    private readonly ActivityListener? _isolatedFeed;
    private readonly string _directory;

    private SpanQueryServer(WebApplication app, SpanFeature spans, ActivityListener? isolatedFeed, object owner, string directory, string project, HttpClient client)
    {
        _app = app;
        _spans = spans;
        _isolatedFeed = isolatedFeed;
        Owner = owner;
        _directory = directory;
        Project = project;
        Client = client;
    }

    /// <summary>
    /// Marks the span trees of this server (<see cref="TracedRequests.ChatCompletion"/>'s <c>owner</c>). An
    /// isolated server stores only those; the others store every span of the process's gateway source.
    /// </summary>
    public object Owner { get; }

    /// <summary>A project of this server's own, so spans other tests make in this process never show up.</summary>
    public string Project { get; }
    public HttpClient Client { get; }
    internal SpanStore Store => _spans.Store!;

    public const string AdminToken = "admin-token";
    public const string CollaboratorToken = "alice-token";
    public const string TeamToken = "carol-token";
    public const string StrangerToken = "mallory-token";

    /// <param name="isolated">
    /// Store only the spans made with this server's <see cref="Owner"/>, not every span other tests make in
    /// this process meanwhile, so row counts are exact.
    /// </param>
    public static async Task<SpanQueryServer> StartAsync(string storeYaml = "", bool isolated = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-spans-ft-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var tenant = "t" + Guid.NewGuid().ToString("N")[..12];
        var project = tenant + ":tracing-project:default";
        var config = ConfigLoader.Load($$"""
            providers:
              - name: mock
                type: mock
                models: [echo]
            span_store:
              path: {{Path.Combine(directory, "spans.db")}}
            {{storeYaml}}
            tracing_projects:
              default: {{project}}
              projects:
                - fqn: {{project}}
                  collaborators: [user:alice@acme.com, team:eng]
            """, "spans-test.yaml");
        var subjects = new Dictionary<string, Subject>
        {
            [AdminToken] = new(Subject.UserType, "root@acme.com", [], tenant) { IsAdmin = true },
            [CollaboratorToken] = new(Subject.UserType, "alice@acme.com", [], tenant),
            [TeamToken] = new(Subject.UserType, "carol@acme.com", ["eng"], tenant),
            [StrangerToken] = new(Subject.UserType, "mallory@acme.com", ["sales"], tenant),
        };
        var owner = new object();
        // Retention only when a test runs it: the store's timer (first pass a second after opening) deleted
        // RetentionTests' old spans before the test had counted them, on a busy machine.
        var spans = SpanFeature.Start(config, _ => null, context => Authenticate(context, subjects), NullLogger.Instance, owner, listen: !isolated,
            retentionInterval: TimeSpan.Zero);
        var isolatedFeed = isolated ? FeedOwnSpans(spans.Processor!, owner) : null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context => context.Request.Path == SpanQueryHandler.Path
            ? spans.Handler.HandleAsync(context)
            : Task.FromResult(context.Response.StatusCode = 404));
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        return new SpanQueryServer(app, spans, isolatedFeed, owner, directory, project, client);
    }

    /// <summary>Records the gateway source's spans and hands the processor only those of trees marked with <paramref name="owner"/>.</summary>
    private static ActivityListener FeedOwnSpans(SpanStoreProcessor processor, object owner)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayActivitySource.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                for (var a = activity; a is not null; a = a.Parent)
                {
                    if (ReferenceEquals(a.GetCustomProperty(TracingListener.OwnerProperty), owner))
                    {
                        processor.OnEnd(activity);
                        return;
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static Subject? Authenticate(HttpContext context, Dictionary<string, Subject> subjects)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && subjects.TryGetValue(header["Bearer ".Length..], out var s) ? s : null;
    }

    /// <summary>Rows in the store, of every project.</summary>
    public long CountRows()
    {
        using var connection = Store.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM spans";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Waits until every span ended so far is in the file.</summary>
    public Task FlushAsync() => Store.FlushAsync();

    public async Task<(int Status, JsonElement Body)> QueryAsync(string json, string? token = AdminToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SpanQueryHandler.Path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>Every span id of a query, following pages; fails on any non-200.</summary>
    public async Task<List<string>> AllSpanIdsAsync(string json, int limit = 1000)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var body = json.TrimEnd().TrimEnd('}') + $",\"limit\":{limit}" + (token is null ? "" : $",\"pageToken\":\"{token}\"") + "}";
            var (status, answer) = await QueryAsync(body);
            Assert.True(status == 200, $"{status}: {answer}");
            ids.AddRange(answer.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!));
            token = answer.GetProperty("pagination").GetProperty("nextPageToken").GetString();
        }
        while (token is not null);
        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _isolatedFeed?.Dispose();
        await _spans.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
