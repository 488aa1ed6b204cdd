using System.Text;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Spans;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Spans;

/// <summary>A real SQLite span store in a temp directory, deleted with it, and a query handler over it.</summary>
internal sealed class SpanTestStore : IAsyncDisposable
{
    public const string Project = "acme:tracing-project:default";
    public const string OtherProject = "acme:tracing-project:bots";
    public static readonly Subject Admin = new(Subject.UserType, "admin@acme.com", [], "acme") { IsAdmin = true };

    private readonly string _directory;

    private SpanTestStore(string directory, SpanStore store, SpanQueryHandler handler, TracingProjectsConfig projects)
    {
        _directory = directory;
        Store = store;
        Handler = handler;
        Projects = projects;
    }

    public SpanStore Store { get; }
    public SpanQueryHandler Handler { get; }
    public TracingProjectsConfig Projects { get; }
    public string DatabasePath => Store.FullPath;

    public static SpanTestStore Open(SpanStoreConfig? options = null, TracingProjectsConfig? projects = null, TimeProvider? time = null, PageTokenCodec? tokens = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-spans-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "spans.db");
        options = options is null
            ? new SpanStoreConfig { Path = path }
            : new SpanStoreConfig
            {
                Path = path,
                RetentionDays = options.RetentionDays,
                MaxRows = options.MaxRows,
                QueueCapacity = options.QueueCapacity,
                PageTokenKey = options.PageTokenKey,
                QueryTimeoutMs = options.QueryTimeoutMs,
                QueryWorkers = options.QueryWorkers,
            };
        projects ??= new TracingProjectsConfig
        {
            Default = Project,
            Projects =
            [
                new TracingProjectConfig { Fqn = Project, Collaborators = ["user:alice@acme.com", "team:eng"] },
                new TracingProjectConfig { Fqn = OtherProject, Collaborators = ["virtualaccount:bot"] },
            ],
        };
        var resolver = new TracingProjectResolver(projects);
        var store = SpanStore.Open(options, new SpanRecordConverter(resolver, "tfy-llm-gateway"), NullLogger.Instance, time, TimeSpan.Zero);
        var handler = new SpanQueryHandler(store, () => projects, _ => Admin, tokens ?? PageTokenCodec.Create(null), NullLogger.Instance, time);
        return new SpanTestStore(directory, store, handler, projects);
    }

    public async Task AddAsync(params SpanRecord[] records)
    {
        foreach (var r in records) Assert.True(Store.TryEnqueue(r));
        await Store.FlushAsync();
    }

    /// <summary>Runs a query body; returns the status and the parsed response.</summary>
    public (int Status, JsonElement Body) Query(string json, Subject? subject = null)
    {
        // Waiting is safe: the query runs on the store's own threads, which never need this one.
        var (status, body) = Handler.RunAsync(subject ?? Admin, Encoding.UTF8.GetBytes(json)).GetAwaiter().GetResult();
        using var doc = JsonDocument.Parse(body);
        return (status, doc.RootElement.Clone());
    }

    /// <summary>The span ids of a 200 answer, in order.</summary>
    public List<string> SpanIds(string json, Subject? subject = null)
    {
        var (status, body) = Query(json, subject);
        Assert.True(status == 200, $"status {status}: {body}");
        return [.. body.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("spanId").GetString()!)];
    }

    public static SpanRecord Record(string spanId, long startNs, string? subject = null, string parent = "", string project = Project,
        string traceId = "0123456789abcdef0123456789abcdef", string name = "chatCompletions", string attributes = "{}", string? metadata = null,
        long durationNs = 1_000_000, string status = "Unset")
    {
        var (type, slug) = subject is null ? (null, null) : SubjectRef.Split(subject);
        return new SpanRecord
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent,
            Name = name,
            StartTimeNs = startNs,
            DurationNs = durationNs,
            ProjectFqn = project,
            SubjectType = type,
            SubjectSlug = slug,
            ApplicationName = "tfy-llm-gateway",
            AttributesJson = attributes,
            MetadataJson = metadata,
            StatusCode = status,
        };
    }

    /// <summary>A 16-hex-digit span id from a number, so tests read as "span 3".</summary>
    public static string Id(int n) => n.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
