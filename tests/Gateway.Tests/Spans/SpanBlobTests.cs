using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Config;
using Gateway.Spans;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #11: the attribute blob. Whatever the encoding shares (text within a span, with the span's donor,
/// interned values, keys), every span reads back as the JSON store version 2 answered, and filters see the
/// same values.
/// </summary>
public sealed class SpanBlobTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ActivitySource _source = new("Gateway.Tests.SpanBlob");
    private readonly ActivityListener _listener;

    public SpanBlobTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    private static readonly string Long = string.Concat(Enumerable.Repeat("a long value that goes to the pool, ", 12)) + "é";

    /// <summary>Every type a tag may hold, and text of every length and script.</summary>
    private static readonly (string Key, object? Value)[] AllTypes =
    [
        ("text", "hello"),
        ("empty", ""),
        ("unicode", "héllo wörld – 日本語 🎉 \"quoted\" \\ back\nslash"),
        ("long", Long),
        ("long again", Long),
        ("part of long", Long[4..40]),
        ("big", string.Concat(Enumerable.Repeat("compressible text ", 5000))),
        ("int", 42),
        ("negative", -7L),
        ("min", long.MinValue),
        ("max", long.MaxValue),
        ("short", (short)-3),
        ("byte", (byte)200),
        ("uint", uint.MaxValue),
        ("ulong", ulong.MaxValue),
        ("double", 0.1),
        ("float", 1.5f),
        ("nan", double.NaN),
        ("infinity", double.NegativeInfinity),
        ("decimal", 1.50m),
        ("true", true),
        ("false", false),
        ("null", null),
        ("strings", new[] { "a", "b", Long }),
        ("ints", new[] { 1, 2, 3 }),
        ("mixed", new object?[] { "a", 1, 2.5, true, null }),
        ("other", new Uri("http://example.com/x")),
    ];

    [Fact]
    public async Task Every_value_type_reads_back_as_version_2_wrote_it()
    {
        Activity a;
        using (a = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start)!)
        {
            foreach (var (key, value) in AllTypes) a.AddTag(key, value);
            a.AddEvent(new ActivityEvent("first", Start.AddMilliseconds(3), new ActivityTagsCollection { ["content"] = Long, ["n"] = 1 }));
            a.AddEvent(new ActivityEvent("before the start", Start.AddMilliseconds(-2)));
            a.SetEndTime(Start.AddSeconds(1).UtcDateTime);
        }
        await using var s = SpanTestStore.Open();
        Assert.True(s.Store.TryEnqueue(a));
        await s.Store.FlushAsync();

        var span = Single(s, a.TraceId.ToHexString());

        Assert.Equal(Version2Attributes(a.EnumerateTagObjects()), span.GetProperty("spanAttributes").GetRawText());
        Assert.Equal(Version2Events(a), span.GetProperty("events").GetRawText());
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(145.416)]
    [InlineData(1.0)]
    [InlineData(-0.0)]
    [InlineData(-5.5)]
    [InlineData(0.1 + 0.2)]
    [InlineData(1.0 / 3)]
    [InlineData(1e15)]
    [InlineData(1e16)]
    [InlineData(9007199254740993.0)]
    [InlineData(1.5e-5)]
    [InlineData(1e-300)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(double.MinValue)]
    public async Task Doubles_read_back_bit_for_bit_and_as_the_same_json(double d)
    {
        Activity a;
        using (a = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start)!)
        {
            a.SetTag("d", d);
            a.SetTag("f", (float)d);
        }
        await using var s = SpanTestStore.Open();
        Assert.True(s.Store.TryEnqueue(a));
        await s.Store.FlushAsync();

        var attributes = Single(s, a.TraceId.ToHexString()).GetProperty("spanAttributes");
        Assert.Equal(Version2Attributes(a.EnumerateTagObjects()), attributes.GetRawText());
        if (double.IsFinite((float)d)) Assert.Equal(BitConverter.DoubleToInt64Bits((float)d), BitConverter.DoubleToInt64Bits(attributes.GetProperty("f").GetDouble()));
        Assert.Equal(BitConverter.DoubleToInt64Bits(d == 0 ? 0 : d), BitConverter.DoubleToInt64Bits(attributes.GetProperty("d").GetDouble() is var back && back == 0 ? 0 : back));
        // And a filter compares the number, not its text.
        var (_, body) = s.Query($$"""{"startTime":"2025-05-31T00:00:00Z","filters":[{"spanAttributeKey":"d","operator":"EQUAL","value":{{attributes.GetProperty("d").GetRawText()}}}]}""");
        Assert.Equal(1, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task The_root_span_takes_the_model_spans_text_and_reads_back_whole()
    {
        await using var s = SpanTestStore.Open();
        var (root, model) = Request("the root shares");
        Enqueue(s, model, root);
        await s.Store.FlushAsync();

        var spans = Spans(s, root.TraceId.ToHexString()).ToDictionary(x => x.GetProperty("spanName").GetString()!);
        Assert.Equal(Version2Attributes(root.EnumerateTagObjects()), spans["chatCompletions"].GetProperty("spanAttributes").GetRawText());
        Assert.Equal(Version2Events(root), spans["chatCompletions"].GetProperty("events").GetRawText());
        Assert.Equal(Version2Attributes(model.EnumerateTagObjects()), spans["Model"].GetProperty("spanAttributes").GetRawText());

        // The root holds references, not the request and response: its blob is a fraction of its text.
        var (donor, blob) = Row(s, root.SpanId.ToHexString());
        Assert.NotNull(donor);
        Assert.InRange(blob, 1, Version2Attributes(root.EnumerateTagObjects()).Length / 4);
    }

    [Theory]
    [InlineData("""{"spanAttributeKey":"tfy.input","operator":"STRING_CONTAINS","value":"request 7"}""", new[] { "chatCompletions", "Model" })]
    [InlineData("""{"spanAttributeKey":"gen_ai.prompt.1.content","operator":"EQUAL","value":"Summarise request 7, please."}""", new[] { "chatCompletions" })]
    [InlineData("""{"spanAttributeKey":"gen_ai.prompt.1.content","operator":"STRING_ENDS_WITH","value":"please."}""", new[] { "chatCompletions" })]
    [InlineData("""{"spanAttributeKey":"tfy.output","operator":"STRING_STARTS_WITH","value":"{\"role\""}""", new[] { "chatCompletions", "Model" })]
    [InlineData("""{"spanAttributeKey":"gen_ai.request.max_tokens","operator":"GREATER_THAN","value":100}""", new[] { "chatCompletions", "Model" })]
    [InlineData("""{"spanAttributeKey":"tfy.model.streaming","operator":"EQUAL","value":false}""", new[] { "Model" })]
    [InlineData("""{"spanAttributeKey":"gen_ai.response.finish_reasons","operator":"ARRAY_HAS_ANY","value":["stop"]}""", new[] { "Model" })]
    [InlineData("""{"spanAttributeKey":"gen_ai.response.finish_reasons","operator":"EQUAL","value":"[\"stop\"]"}""", new[] { "Model" })]
    [InlineData("""{"spanAttributeKey":"tfy.output","operator":"IS_NULL"}""", new string[0])]
    public async Task Filters_read_shared_text_as_their_own(string filter, string[] names)
    {
        await using var s = SpanTestStore.Open();
        var (root, model) = Request("request 7");
        Enqueue(s, model, root);
        await s.Store.FlushAsync();

        var (status, body) = s.Query($$"""{"startTime":"2025-05-31T00:00:00Z","filters":[{{filter}}]}""");

        Assert.Equal(200, status);
        Assert.Equal(names.Order(), body.GetProperty("data").EnumerateArray().Select(x => x.GetProperty("spanName").GetString()!).Order());
    }

    [Fact]
    public async Task A_root_written_after_its_model_keeps_its_own_text()
    {
        await using var s = SpanTestStore.Open();
        var (root, model) = Request("two batches");
        Enqueue(s, model);
        await s.Store.FlushAsync();
        Enqueue(s, root);
        await s.Store.FlushAsync();

        var spans = Spans(s, root.TraceId.ToHexString()).ToDictionary(x => x.GetProperty("spanName").GetString()!);
        Assert.Equal(Version2Attributes(root.EnumerateTagObjects()), spans["chatCompletions"].GetProperty("spanAttributes").GetRawText());
        Assert.Null(Row(s, root.SpanId.ToHexString()).Donor);
    }

    [Fact]
    public async Task Retention_by_age_deletes_a_root_before_the_model_it_reads_from()
    {
        var now = new ManualTime(Start.AddDays(7));
        await using var s = SpanTestStore.Open(new SpanStoreConfig { RetentionDays = 7, MaxRows = 0 }, time: now);
        // The root started just before the cut, its model span just after.
        var (root, model) = Request("at the edge", Start.AddTicks(-1), Start.AddTicks(1));
        Enqueue(s, model, root);
        await s.Store.FlushAsync();
        Assert.NotNull(Row(s, root.SpanId.ToHexString()).Donor);

        await s.Store.RunRetentionAsync();

        var left = Spans(s, root.TraceId.ToHexString());
        Assert.Equal("Model", Assert.Single(left).GetProperty("spanName").GetString());
        Assert.Equal(Version2Attributes(model.EnumerateTagObjects()), left[0].GetProperty("spanAttributes").GetRawText());
        Assert.Equal(0, Dangling(s));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(4)]
    public async Task Retention_by_row_count_deletes_a_root_before_the_model_it_reads_from(int maxRows)
    {
        await using var s = SpanTestStore.Open(new SpanStoreConfig { RetentionDays = 0, MaxRows = maxRows });
        var first = Request("first", Start, Start.AddMilliseconds(1));
        var second = Request("second", Start.AddSeconds(1), Start.AddSeconds(1).AddMilliseconds(1));
        // One batch: rows in start order, root 1, model 1, root 2, model 2 (ids 1-4), plus two more roots.
        var lone = Request("lone", Start.AddSeconds(2), Start.AddSeconds(2));
        Enqueue(s, first.Model, first.Root, second.Model, second.Root, lone.Root, lone.Model);
        await s.Store.FlushAsync();

        await s.Store.RunRetentionAsync();

        Assert.Equal(0, Dangling(s));
        var (status, body) = s.Query("""{"startTime":"2025-05-31T00:00:00Z"}""");
        Assert.Equal(200, status);
        Assert.Equal(maxRows, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Values_that_many_traces_carry_are_interned_and_read_back()
    {
        await using var s = SpanTestStore.Open();
        const string Model = "gpt-4o-2024-08-06 served by the provider of the day";
        var traces = new List<string>();
        for (var i = 0; i < SpanStringTable.InternAfterTraces + 2; i++)
        {
            Activity a;
            using (a = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: Start.AddSeconds(i))!)
            {
                a.SetTag("gen_ai.response.model", Model);
            }
            traces.Add(a.TraceId.ToHexString());
            Enqueue(s, a);
            await s.Store.FlushAsync();
        }

        Assert.Equal(1L, Scalar(s, "SELECT count(*) FROM span_strings WHERE value = $v", Model));
        foreach (var t in traces) Assert.Equal(Model, Single(s, t).GetProperty("spanAttributes").GetProperty("gen_ai.response.model").GetString());
        var (_, body) = s.Query($$"""{"startTime":"2025-05-31T00:00:00Z","filters":[{"spanAttributeKey":"gen_ai.response.model","operator":"EQUAL","value":"{{Model}}"}]}""");
        Assert.Equal(traces.Count, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public void Keys_are_spelled_out_when_the_string_table_is_full()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = SpanStoreSchema.Create;
            create.ExecuteNonQuery();
        }
        using var strings = new SpanStringTable(connection, maxOptional: 0);
        var writer = new SpanBlobWriter(strings);
        var row = SpanRecordConverter.FromRecord(SpanTestStore.Record(SpanTestStore.Id(1), 1,
            attributes: $$$"""{"k":"v","n":3,"long":"{{{Long}}}","again":"{{{Long}}}","nested":{"a":[1,2]}}"""));
        using (var transaction = connection.BeginTransaction())
        {
            writer.Encode(row, donor: null, transaction, new ArrayBufferWriter<byte>());
            transaction.Commit();
        }

        var reader = new SpanBlobReader(new SpanStringCache(), connection);
        var attributes = new ArrayBufferWriter<byte>();
        var events = new ArrayBufferWriter<byte>();
        using (var a = new Utf8JsonWriter(attributes, SpanJson.WriterOptions))
        using (var e = new Utf8JsonWriter(events, SpanJson.WriterOptions))
        {
            Assert.False(reader.WriteJson(row.Blob.Span, [], 1, a, e));
        }
        Assert.Equal($$$"""{"k":"v","n":3,"long":"{{{Long}}}","again":"{{{Long}}}","nested":{"a":[1,2]}}""", Encoding.UTF8.GetString(attributes.WrittenSpan));
        Assert.Equal("v"u8.ToArray(), reader.Find(row.Blob.Span, [], -1, "k"u8).Text.ToArray());
        Assert.Equal(3, reader.Find(row.Blob.Span, [], -1, "n"u8).Integer);
        Assert.False(reader.Find(row.Blob.Span, [], -1, "missing"u8).Found);
    }

    [Fact]
    public void A_malformed_blob_is_a_format_error()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        var reader = new SpanBlobReader(new SpanStringCache(), connection);
        using var w = new Utf8JsonWriter(new ArrayBufferWriter<byte>());
        // Format 1, no flags, a pool of 0 bytes, 4 bytes of entries: one attribute, key 0 (spelled out), a key of 9 bytes past the end.
        byte[] blob = [1, 0, 0, 4, 1, 0, 9, (byte)'k'];
        Assert.Throws<FormatException>(() => reader.WriteJson(blob, [], 0, w, w));
        Assert.Throws<FormatException>(() => reader.WriteJson([2, 0, 0, 0], [], 0, w, w));
    }

    private (Activity Root, Activity Model) Request(string words, DateTimeOffset? rootStart = null, DateTimeOffset? modelStart = null)
    {
        var system = "You are a helpful assistant. Answer concisely and cite sources when you can.";
        var user = $"Summarise {words}, please.";
        var body = $$"""{"model":"static/gpt-4o","messages":[{"role":"system","content":"{{system}}"},{"role":"user","content":"{{user}}"}],"max_tokens":512}""";
        var output = """{"role":"assistant","content":"A proxy should forward each event as soon as it is complete.","finish_reason":"stop"}""";
        var start = rootStart ?? Start;
        Activity root, model;
        using (root = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: start)!)
        {
            root.SetTag("tfy.tracing_project_fqn", SpanTestStore.Project);
            root.SetTag("gen_ai.request.max_tokens", 512);
            root.SetTag("tfy.input", body);
            root.SetTag("tfy.input_short_hand", user);
            using (model = _source.StartActivity("Model", ActivityKind.Internal, default(ActivityContext), startTime: modelStart ?? start.AddMilliseconds(1))!)
            {
                model.SetTag("tfy.tracing_project_fqn", SpanTestStore.Project);
                model.SetTag("gen_ai.request.max_tokens", 512);
                model.SetTag("tfy.model.streaming", false);
                model.SetTag("tfy.input", body);
                model.SetTag("gen_ai.response.finish_reasons", new[] { "stop" });
                model.SetTag("tfy.output", output);
                model.SetEndTime((modelStart ?? start).AddSeconds(1).UtcDateTime);
            }
            root.SetTag("gen_ai.prompt.0.role", "system");
            root.SetTag("gen_ai.prompt.0.content", system);
            root.SetTag("gen_ai.prompt.1.role", "user");
            root.SetTag("gen_ai.prompt.1.content", user);
            root.SetTag("gen_ai.completion.0.content", "A proxy should forward each event as soon as it is complete.");
            root.SetTag("tfy.output", output);
            root.AddEvent(new ActivityEvent("gen_ai.system.message", start, new ActivityTagsCollection { ["content"] = system }));
            root.AddEvent(new ActivityEvent("gen_ai.user.message", start, new ActivityTagsCollection { ["content"] = user }));
            root.SetEndTime(start.AddSeconds(2).UtcDateTime);
        }
        return (root, model);
    }

    private static void Enqueue(SpanTestStore s, params Activity[] activities)
    {
        foreach (var a in activities) Assert.True(s.Store.TryEnqueue(a));
    }

    private static JsonElement Single(SpanTestStore s, string traceId) => Assert.Single(Spans(s, traceId));

    private static List<JsonElement> Spans(SpanTestStore s, string traceId)
    {
        var (status, body) = s.Query($$"""{"startTime":"2025-05-01T00:00:00Z","traceIds":["{{traceId}}"]}""");
        Assert.True(status == 200, body.ToString());
        return [.. body.GetProperty("data").EnumerateArray()];
    }

    private static (long? Donor, long Blob) Row(SpanTestStore s, string spanId)
    {
        using var c = s.Store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT donor, length(attributes) FROM spans WHERE span_id = $id";
        cmd.Parameters.AddWithValue("$id", Convert.FromHexString(spanId));
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.IsDBNull(0) ? null : r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>Rows whose donor row is gone.</summary>
    private static long Dangling(SpanTestStore s) =>
        Scalar(s, "SELECT count(*) FROM spans AS s WHERE donor IS NOT NULL AND NOT EXISTS (SELECT 1 FROM spans AS d WHERE d.id = s.id + s.donor)", null);

    private static long Scalar(SpanTestStore s, string sql, string? value)
    {
        using var c = s.Store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        if (value is not null) cmd.Parameters.AddWithValue("$v", value);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>The attributes as store version 2 wrote them (SpanJson over the tags, in order).</summary>
    private static string Version2Attributes(Activity.Enumerator<KeyValuePair<string, object?>> tags)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, SpanJson.WriterOptions))
        {
            w.WriteStartObject();
            foreach (ref readonly var tag in tags)
            {
                w.WritePropertyName(tag.Key);
                SpanJson.WriteValue(w, tag.Value);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Version2Events(Activity a)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, SpanJson.WriterOptions))
        {
            w.WriteStartArray();
            foreach (ref readonly var e in a.EnumerateEvents())
            {
                w.WriteStartObject();
                w.WriteString("name"u8, e.Name);
                w.WriteString("timestamp"u8, UnixTime.ToIso(UnixTime.ToNanos(e.Timestamp)));
                w.WriteStartObject("attributes"u8);
                foreach (ref readonly var tag in e.EnumerateTagObjects())
                {
                    w.WritePropertyName(tag.Key);
                    SpanJson.WriteValue(w, tag.Value);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
