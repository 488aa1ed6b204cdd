using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Spans;
using Gateway.Tracing;
using Microsoft.Extensions.Logging.Abstractions;

// The span store at a million spans: ingest rate through the real path (finished Activity ->
// queue -> writer: convert + batched INSERT), then the latency of the seed's queries through the
// real query handler (parse, SQL, JSON). Bounded: ingest stops at --max-seconds.
//
//   dotnet run -c Release --project bench/spans -- [--spans 1000000] [--max-seconds 600] [--db PATH]

var spans = 1_000_000;
var maxSeconds = 600;
var db = Path.Combine(Path.GetTempPath(), $"spans-bench-{Environment.ProcessId}.db");
var keep = false;
// --records: convert on the producer and queue rows, to see the writer's INSERT cost alone.
var records = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--spans": spans = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--max-seconds": maxSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--db": db = args[++i]; break;
        case "--keep": keep = true; break;
        case "--records": records = true; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);

const string Project = "acme:tracing-project:default";
var projects = new TracingProjectsConfig { Default = Project, Projects = [new TracingProjectConfig { Fqn = Project }] };
var resolver = new TracingProjectResolver(projects);
var options = new SpanStoreConfig { Path = db, RetentionDays = 0, MaxRows = 0 };
var store = SpanStore.Open(options, new SpanRecordConverter(resolver, "tfy-llm-gateway"), NullLogger.Instance, retentionInterval: TimeSpan.Zero);

// Spans are recorded by a listener of the gateway's source; the bench enqueues them itself so it
// can wait when the queue is full (the gateway drops instead) and measure the writer's sustained rate.
using var listener = new ActivityListener
{
    ShouldListenTo = s => s.Name == GatewayActivitySource.Name,
    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
};
ActivitySource.AddActivityListener(listener);

// Seven days of traffic ending now: requests of 3 spans (chatCompletions -> Model -> Network Call),
// from 50 users and 20 virtual accounts, in time order as a gateway would produce them.
var now = DateTimeOffset.UtcNow;
var requests = spans / 3;
var from = now.AddDays(-7);
var step = TimeSpan.FromTicks((now - from).Ticks / Math.Max(1, requests));
var subjects = Enumerable.Range(0, 50).Select(i => $"user:user{i}@example.com")
    .Concat(Enumerable.Range(0, 20).Select(i => $"virtualaccount:account{i}")).ToArray();
var random = new Random(1);
var traceIds = new List<string>();
var source = GatewayActivitySource.Instance;
var input = new string('x', 200);
var producerConverter = new SpanRecordConverter(resolver, "tfy-llm-gateway");

Console.WriteLine($"ingest: {requests * 3:N0} spans ({requests:N0} requests over 7 days) into {db}");
var deadline = Stopwatch.StartNew();
var waits = 0L;
var made = 0;
var gc0 = GC.CollectionCount(0);
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
for (var r = 0; r < requests; r++)
{
    if (deadline.Elapsed.TotalSeconds > maxSeconds)
    {
        Console.WriteLine($"stopped at --max-seconds {maxSeconds}");
        break;
    }
    var start = from + step * r;
    var subject = subjects[random.Next(subjects.Length)];
    Activity root, model, network;
    using (root = source.StartActivity(SpanNames.ChatCompletions, ActivityKind.Server, default(ActivityContext), startTime: start)!)
    {
        root.SetTag(SpanAttributes.TfySpanType, SpanTypes.ChatCompletion);
        root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject);
        root.SetTag(SpanAttributes.TfyRequestCreatedBySubjectTeams, new[] { "eng" });
        root.SetTag(SpanAttributes.TfyTracingProjectFqn, Project);
        root.SetTag(SpanAttributes.TfyRequestModelName, "openai-main/gpt-4o");
        root.SetTag(SpanAttributes.GenAiRequestModel, "openai-main/gpt-4o");
        root.SetTag(SpanAttributes.TfyInputShortHand, input);
        root.SetTag(SpanAttributes.TfyRequestMetadata, """{"env":"prod","team":"search"}""");
        using (model = source.StartActivity(SpanNames.Model, ActivityKind.Internal, default(ActivityContext), startTime: start.AddMilliseconds(1))!)
        {
            model.SetTag(SpanAttributes.TfySpanType, SpanTypes.Model);
            model.SetTag(SpanAttributes.TfyModelName, "gpt-4o");
            model.SetTag(SpanAttributes.TfyModelStreaming, true);
            model.SetTag(SpanAttributes.TfyModelMetricInputTokens, 120);
            model.SetTag(SpanAttributes.TfyModelMetricOutputTokens, 300);
            model.SetTag(SpanAttributes.TfyModelMetricCostInUsd, 0.0042);
            model.SetTag(SpanAttributes.TfyModelMetricTimeToFirstTokenInMs, 180.5);
            model.SetTag(SpanAttributes.TfyModelMetricLatencyInMs, 900.2);
            using (network = source.StartActivity(SpanNames.NetworkCall, ActivityKind.Client, default(ActivityContext), startTime: start.AddMilliseconds(2))!)
            {
                network.SetTag(SpanAttributes.HttpRequestMethod, "POST");
                network.SetTag(SpanAttributes.UrlFull, "https://api.openai.com/v1/chat/completions");
                network.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
                network.SetEndTime((start + TimeSpan.FromMilliseconds(850)).UtcDateTime);
            }
            model.SetEndTime((start + TimeSpan.FromMilliseconds(880)).UtcDateTime);
        }
        root.SetEndTime((start + TimeSpan.FromMilliseconds(900)).UtcDateTime);
    }
    foreach (var a in (ReadOnlySpan<Activity>)[network, model, root])
    {
        var record = records ? producerConverter.Convert(a) : null;
        while (!(record is null ? store.TryEnqueue(a) : store.TryEnqueue(record)))
        {
            waits++;
            Thread.Sleep(1);
        }
    }
    made += 3;
    if (r % 997 == 0) traceIds.Add(root.TraceId.ToHexString());
}
var produced = deadline.Elapsed.TotalSeconds;
await store.FlushAsync();
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
Console.WriteLine($"producer done at {produced:F1} s; process CPU {cpu.TotalSeconds:F1} s (producer + writer)");
var ingestSeconds = deadline.Elapsed.TotalSeconds;
var gcs = GC.CollectionCount(0) - gc0;
Console.WriteLine($"ingested {store.Written:N0} spans in {ingestSeconds:F1} s = {store.Written / ingestSeconds:N0} spans/s wall, " +
    $"{store.Written / (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:N0} spans per CPU-second " +
    $"(producer waited on a full queue {waits:N0} times; {store.Failed} failed; gen0 GCs {gcs})");
var size = new FileInfo(db).Length + (File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0);
Console.WriteLine($"file: {size / 1024.0 / 1024.0:F0} MB ({(double)size / Math.Max(1, store.Written):F0} bytes per span)");

var admin = new Subject(Subject.UserType, "bench@example.com", [], "acme") { IsAdmin = true };
var handler = new SpanQueryHandler(store, () => projects, _ => admin, PageTokenCodec.Create(null), NullLogger.Instance);
var q = new Random(2);
string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
DateTimeOffset RandomHour() => from.AddHours(1 + q.Next(0, 7 * 24 - 2));

Console.WriteLine();
// CPU ms per query: this process's CPU time over the runs (the writer is idle by now), which a
// busy shared machine inflates far less than wall-clock latency.
Console.WriteLine("| query | runs | rows (mean) | p50 ms | p95 ms | max ms | CPU ms (mean) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
Measure("trace id, 7-day window", 300, () =>
    $"{{\"startTime\":\"{Iso(from.AddHours(-1))}\",\"traceIds\":[\"{traceIds[q.Next(traceIds.Count)]}\"]}}");
Measure("root spans in an hour, first page (200)", 300, () =>
{
    var h = RandomHour();
    return $"{{\"startTime\":\"{Iso(h)}\",\"endTime\":\"{Iso(h.AddHours(1))}\",\"parentSpanIds\":[\"\"]}}";
});
MeasureAllPages("root spans in an hour, all pages", 50, () =>
{
    var h = RandomHour();
    return $"{{\"startTime\":\"{Iso(h)}\",\"endTime\":\"{Iso(h.AddHours(1))}\",\"parentSpanIds\":[\"\"]";
});
Measure("all spans in an hour, first page", 300, () =>
{
    var h = RandomHour();
    return $"{{\"startTime\":\"{Iso(h)}\",\"endTime\":\"{Iso(h.AddHours(1))}\"}}";
});
Measure("spans of virtual accounts in an hour", 300, () =>
{
    var h = RandomHour();
    return $"{{\"startTime\":\"{Iso(h)}\",\"endTime\":\"{Iso(h.AddHours(1))}\",\"createdBySubjectTypes\":[\"virtualaccount\"]}}";
});
Measure("spans of one user in a day", 300, () =>
{
    var h = RandomHour();
    return $"{{\"startTime\":\"{Iso(h)}\",\"endTime\":\"{Iso(h.AddDays(1))}\",\"createdBySubjectTypes\":[\"user\"],\"createdBySubjectSlugs\":[\"user{q.Next(50)}@example.com\"]}}";
});
Measure("one user, 7 days, attribute filter cost > 0.004", 50, () =>
    $"{{\"startTime\":\"{Iso(from)}\",\"createdBySubjectTypes\":[\"user\"],\"createdBySubjectSlugs\":[\"user{q.Next(50)}@example.com\"],\"filters\":[{{\"spanAttributeKey\":\"tfy.model.metric.cost_in_usd\",\"operator\":\"GREATER_THAN\",\"value\":0.004}}]}}");

await store.DisposeAsync();
if (!keep)
{
    foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
}
return 0;

void Measure(string name, int runs, Func<string> body)
{
    var times = new List<double>(runs);
    long rows = 0;
    var cpu = TimeSpan.Zero;
    for (var i = 0; i < runs + 5; i++)
    {
        if (i == 5) cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var json = Encoding.UTF8.GetBytes(body());
        var sw = Stopwatch.StartNew();
        var (status, answer) = handler.RunAsync(admin, json).GetAwaiter().GetResult();
        sw.Stop();
        if (status != 200) throw new InvalidOperationException(Encoding.UTF8.GetString(answer));
        if (i < 5) continue; // warm-up
        times.Add(sw.Elapsed.TotalMilliseconds);
        rows += CountSpans(answer);
    }
    Report(name, times, rows / (double)runs, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / runs);
}

void MeasureAllPages(string name, int runs, Func<string> bodyWithoutEnd)
{
    var times = new List<double>(runs);
    long rows = 0;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < runs; i++)
    {
        var prefix = bodyWithoutEnd();
        string? token = null;
        var sw = Stopwatch.StartNew();
        do
        {
            var json = Encoding.UTF8.GetBytes(prefix + (token is null ? "" : $",\"pageToken\":\"{token}\"") + "}");
            var (status, answer) = handler.RunAsync(admin, json).GetAwaiter().GetResult();
            if (status != 200) throw new InvalidOperationException(Encoding.UTF8.GetString(answer));
            rows += CountSpans(answer);
            using var doc = System.Text.Json.JsonDocument.Parse(answer);
            token = doc.RootElement.GetProperty("pagination").GetProperty("nextPageToken").GetString();
        }
        while (token is not null);
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    Report(name, times, rows / (double)runs, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / runs);
}

static int CountSpans(byte[] answer)
{
    using var doc = System.Text.Json.JsonDocument.Parse(answer);
    return doc.RootElement.GetProperty("data").GetArrayLength();
}

static void Report(string name, List<double> times, double rows, double cpuMs)
{
    times.Sort();
    double P(double p) => times[Math.Min(times.Count - 1, (int)(p * times.Count))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {times.Count} | {rows:F0} | {P(0.5):F2} | {P(0.95):F2} | {times[^1]:F2} | {cpuMs:F2} |"));
}
