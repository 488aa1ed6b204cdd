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
// --shape chat: the load harness's chat request instead of seed 003's metadata-heavy spans: content
// captured (tfy.input, prompts, completion, message events), as the gateway records it by default.
var shape = "seed";
// --no-queries: ingest only (the query latencies need a store of realistic size: the default --spans).
var queries = true;
// --chunk N: requests made, then queued and written, at a time (1,000): the writer's batches are at most 3 N spans.
var chunkRequests = 1000;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--spans": spans = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--max-seconds": maxSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--db": db = args[++i]; break;
        case "--keep": keep = true; break;
        case "--shape": shape = args[++i]; break;
        case "--no-queries": queries = false; break;
        case "--chunk": chunkRequests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
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

Console.WriteLine($"ingest: {requests * 3:N0} spans ({requests:N0} requests over 7 days, shape {shape}) into {db}");
// In chunks: make a chunk's activities (producer CPU), then queue them and wait until written (writer
// CPU). The two never overlap, so the second is the writer's cost per span, which is what decides
// whether the store keeps up with a gateway that uses the other cores for requests.
var deadline = Stopwatch.StartNew();
var waits = 0L;
var gc0 = GC.CollectionCount(0);
var producerCpu = TimeSpan.Zero;
var writerCpu = TimeSpan.Zero;
var written0 = WrittenBytes();
var chunk = new List<Activity>(chunkRequests * 3);
for (var r0 = 0; r0 < requests && deadline.Elapsed.TotalSeconds <= maxSeconds; r0 += chunkRequests)
{
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    for (var r = r0; r < Math.Min(requests, r0 + chunkRequests); r++)
    {
        var (network, model, root) = shape == "chat" ? ChatRequest(r) : SeedRequest(r);
        chunk.Add(network);
        chunk.Add(model);
        chunk.Add(root);
        if (r % 997 == 0) traceIds.Add(root.TraceId.ToHexString());
    }
    var cpu1 = Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < chunk.Count; i++)
    {
        while (!store.TryEnqueue(chunk[i]))
        {
            waits++;
            Thread.Sleep(1);
        }
    }
    await store.FlushAsync();
    var cpu2 = Process.GetCurrentProcess().TotalProcessorTime;
    producerCpu += cpu1 - cpu0;
    writerCpu += cpu2 - cpu1;
    chunk.Clear();
}
if (deadline.Elapsed.TotalSeconds > maxSeconds) Console.WriteLine($"stopped at --max-seconds {maxSeconds}");
var ingestSeconds = deadline.Elapsed.TotalSeconds;
var gcs = GC.CollectionCount(0) - gc0;
var written = store.Written;
var writerThread = WriterThreadCpu();
Console.WriteLine($"ingested {written:N0} spans in {ingestSeconds:F1} s; producer CPU {producerCpu.TotalSeconds:F1} s, " +
    $"queue + writer CPU {writerCpu.TotalSeconds:F1} s = {writerCpu.TotalMicroseconds / Math.Max(1, written):F1} µs per span " +
    $"({written / writerCpu.TotalSeconds:N0} spans per writer CPU-second; {waits:N0} waits on a full queue; {store.Failed} failed; gen0 GCs {gcs})");
// The writer thread's own CPU (Linux): the same work without the process's other threads (thread-pool
// spinning while the producer waits, GC threads), so it does not depend on what else the process does.
if (writerThread is TimeSpan wt) Console.WriteLine($"writer thread CPU {wt.TotalSeconds:F2} s = {wt.TotalMicroseconds / Math.Max(1, written):F1} µs per span");
// Bytes the process wrote through write calls (WAL frames and checkpoints): what the file's growth costs in I/O.
if (WrittenBytes() - written0 is long io and > 0) Console.WriteLine($"written through write(): {io / 1048576.0:F0} MB = {(double)io / Math.Max(1, written):F0} bytes per span");
// The file as it stays: WAL checkpointed into the database, so db + wal is the data and nothing else.
using (var checkpoint = store.OpenReader())
using (var cmd = checkpoint.CreateCommand())
{
    cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
    cmd.ExecuteNonQuery();
}
var size = new FileInfo(db).Length + (File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0);
Console.WriteLine($"file: {size / 1024.0 / 1024.0:F1} MB ({(double)size / Math.Max(1, written):F0} bytes per span)");

if (!queries)
{
    await store.DisposeAsync();
    if (!keep) foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
    return 0;
}

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

// Seed 003's request: subject, teams, project, metadata, token and cost metrics, a 200-character
// tfy.input_short_hand; no content.
(Activity Network, Activity Model, Activity Root) SeedRequest(int r)
{
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
    return (network, model, root);
}

// The load harness's chat request (bench/load/run.sh: 0.4 KB body, a one-sentence answer) with the tags,
// their order and their types as the gateway records them with content capture on (a span store dump of
// one harness request). The user message and the answer carry the request number, so no two requests
// are the same text (the harness's upstream repeats one answer; real traffic does not).
(Activity Network, Activity Model, Activity Root) ChatRequest(int r)
{
    const string System = "You are a helpful assistant. Answer concisely and cite sources when you can.";
    var answer = $"A proxy should forward each event as soon as it is complete, so the client sees tokens when the model produces them ({r:x8}).";
    const string Url = "http://127.0.0.1:27401/v1/chat/completions";
    var start = from + step * r;
    var subject = subjects[random.Next(subjects.Length)];
    var user = $"Summarise the main differences between HTTP/1.1 keep-alive and HTTP/2 multiplexing for a proxy that forwards server-sent events, in three bullet points. ({r})";
    var body = $$"""{"model":"static/gpt-4o","messages":[{"role":"system","content":"{{System}}"},{"role":"user","content":"{{user}}"}],"temperature":0.7,"top_p":1,"max_tokens":512,"user":"user-1234"}""" + "\n";
    var output = $$"""{"role":"assistant","content":"{{answer}}","finish_reason":"stop"}""";
    Activity root, model, network;
    using (root = source.StartActivity(SpanNames.ChatCompletions, ActivityKind.Server, default(ActivityContext), startTime: start)!)
    {
        root.SetTag(SpanAttributes.TfySpanType, SpanTypes.ChatCompletion);
        root.SetTag(SpanAttributes.TfyTracingProjectFqn, Project);
        root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject);
        root.SetTag(SpanAttributes.GenAiOperationName, "chat");
        root.SetTag(SpanAttributes.GenAiRequestModel, "static/gpt-4o");
        root.SetTag(SpanAttributes.TfyRequestModelName, "static/gpt-4o");
        root.SetTag(SpanAttributes.GenAiRequestMaxTokens, 512);
        root.SetTag(SpanAttributes.GenAiRequestTemperature, 0.7);
        root.SetTag(SpanAttributes.GenAiRequestTopP, 1.0);
        root.SetTag(SpanAttributes.TfyInput, body);
        root.SetTag(SpanAttributes.TfyInputShortHand, user);
        using (model = source.StartActivity(SpanNames.Model, ActivityKind.Internal, default(ActivityContext), startTime: start.AddMilliseconds(1))!)
        {
            model.SetTag(SpanAttributes.TfySpanType, SpanTypes.Model);
            model.SetTag(SpanAttributes.TfyTracingProjectFqn, Project);
            model.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject);
            model.SetTag(SpanAttributes.GenAiOperationName, "chat");
            model.SetTag(SpanAttributes.GenAiSystem, "openai");
            model.SetTag(SpanAttributes.GenAiProviderName, "openai");
            model.SetTag(SpanAttributes.GenAiRequestModel, "gpt-4o-2024-08-06");
            model.SetTag(SpanAttributes.GenAiRequestMaxTokens, 512);
            model.SetTag(SpanAttributes.GenAiRequestTemperature, 0.7);
            model.SetTag(SpanAttributes.GenAiRequestTopP, 1.0);
            model.SetTag(SpanAttributes.TfyRequestModelName, "static/gpt-4o");
            model.SetTag(SpanAttributes.TfyModelId, "static/gpt-4o");
            model.SetTag(SpanAttributes.TfyModelName, "gpt-4o");
            model.SetTag(SpanAttributes.TfyModelFqn, "static/gpt-4o");
            model.SetTag(SpanAttributes.TfyModelRequestUrl, Url);
            model.SetTag(SpanAttributes.TfyModelStreaming, false);
            model.SetTag(SpanAttributes.TfyModelRequestType, "ChatCompletion");
            model.SetTag(SpanAttributes.TfyInput, body);
            using (network = source.StartActivity(SpanNames.NetworkCall, ActivityKind.Client, default(ActivityContext), startTime: start.AddMilliseconds(2))!)
            {
                network.SetTag(SpanAttributes.TfyTracingProjectFqn, Project);
                network.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject);
                network.SetTag(SpanAttributes.HttpRequestMethod, "POST");
                network.SetTag(SpanAttributes.UrlFull, Url);
                network.SetTag(SpanAttributes.ServerAddress, "127.0.0.1");
                network.SetTag(SpanAttributes.ServerPort, 27401);
                network.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
                network.SetEndTime((start + TimeSpan.FromMilliseconds(850)).UtcDateTime);
            }
            model.SetTag(SpanAttributes.TfyModelMetricLatencyInMs, 145.416);
            model.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
            model.SetTag(SpanAttributes.TfyModelMetricInputTokens, 42);
            model.SetTag(SpanAttributes.GenAiUsageInputTokens, 42);
            model.SetTag(SpanAttributes.TfyModelMetricOutputTokens, 24);
            model.SetTag(SpanAttributes.GenAiUsageOutputTokens, 24);
            model.SetTag(SpanAttributes.TfyModelMetricCacheReadInputTokens, 0);
            model.SetTag(SpanAttributes.GenAiUsageCacheReadInputTokens, 0);
            model.SetTag(SpanAttributes.GenAiResponseId, $"chatcmpl-{r:x8}");
            model.SetTag(SpanAttributes.GenAiResponseModel, "gpt-4o-2024-08-06");
            model.SetTag(SpanAttributes.GenAiResponseFinishReasons, new[] { "stop" });
            model.SetTag(SpanAttributes.TfyOutput, output);
            model.SetEndTime((start + TimeSpan.FromMilliseconds(880)).UtcDateTime);
        }
        root.SetTag(SpanAttributes.GenAiSystem, "openai");
        root.SetTag(SpanAttributes.GenAiProviderName, "openai");
        root.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
        root.SetTag("gen_ai.prompt.0.role", "system");
        root.SetTag("gen_ai.prompt.0.content", System);
        root.SetTag("gen_ai.prompt.1.role", "user");
        root.SetTag("gen_ai.prompt.1.content", user);
        root.SetTag("gen_ai.completion.0.role", "assistant");
        root.SetTag("gen_ai.completion.0.content", answer);
        root.SetTag("gen_ai.completion.0.finish_reason", "stop");
        root.SetTag(SpanAttributes.TfyOutput, output);
        root.AddEvent(new ActivityEvent(SpanAttributes.EventSystemMessage, start, new ActivityTagsCollection { [SpanAttributes.GenAiSystem] = "openai", [SpanAttributes.EventContent] = System }));
        root.AddEvent(new ActivityEvent(SpanAttributes.EventUserMessage, start, new ActivityTagsCollection { [SpanAttributes.GenAiSystem] = "openai", [SpanAttributes.EventContent] = user }));
        root.SetEndTime((start + TimeSpan.FromMilliseconds(900)).UtcDateTime);
    }
    return (network, model, root);
}

// utime + stime of the thread named "span store writer" (its comm is cut to 15 characters), or null off Linux.
static TimeSpan? WriterThreadCpu()
{
    if (!Directory.Exists("/proc/self/task")) return null;
    foreach (var task in Directory.GetDirectories("/proc/self/task"))
    {
        if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != "span store writ") continue;
        var stat = File.ReadAllText(Path.Combine(task, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted after the ")": 12 and 13, in clock ticks of 1/100 s.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
    return null;
}

// wchar of /proc/self/io: bytes passed to write calls; null off Linux.
static long? WrittenBytes()
{
    const string Io = "/proc/self/io";
    if (!File.Exists(Io)) return null;
    foreach (var line in File.ReadLines(Io))
    {
        if (line.StartsWith("wchar:", StringComparison.Ordinal)) return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
    }
    return null;
}
