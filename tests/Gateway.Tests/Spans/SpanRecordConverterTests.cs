using System.Diagnostics;
using System.Text.Json;
using Gateway.Config;
using Gateway.Spans;
using Gateway.Tracing;

namespace Gateway.Tests.Spans;

/// <summary>Activities as the tracing code makes them, turned into rows.</summary>
public sealed class SpanRecordConverterTests : IDisposable
{
    // A source of its own: the converter does not care about the name, and this keeps the
    // gateway's listeners in other tests out of it.
    private readonly ActivitySource _source = new("Gateway.Tests.Converter");
    private readonly ActivityListener _listener;

    private static readonly TracingProjectsConfig Projects = new()
    {
        Default = "acme:tracing-project:default",
        Projects =
        [
            new TracingProjectConfig { Fqn = "acme:tracing-project:default" },
            new TracingProjectConfig
            {
                Fqn = "acme:tracing-project:bots",
                Rules = [new TracingProjectRule { Subjects = ["virtualaccount:bot"] }],
            },
        ],
    };

    private readonly SpanRecordConverter _converter = new(new TracingProjectResolver(Projects), "my-app");

    public SpanRecordConverterTests()
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

    /// <summary>The span's attributes and events as the query API answers them: written by the store's writer, read back.</summary>
    private static async Task<(JsonElement Attributes, JsonElement Events)> StoredAsync(Activity a)
    {
        await using var store = SpanTestStore.Open();
        Assert.True(store.Store.TryEnqueue(a));
        await store.Store.FlushAsync();
        var (status, body) = store.Query($$"""{"startTime":"2000-01-01T00:00:00Z","traceIds":["{{a.TraceId.ToHexString()}}"]}""");
        Assert.Equal(200, status);
        var span = Assert.Single(body.GetProperty("data").EnumerateArray());
        return (span.GetProperty("spanAttributes"), span.GetProperty("events"));
    }

    [Fact]
    public async Task Root_span_fields_subject_and_typed_attributes()
    {
        var start = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        Activity root;
        using (root = _source.StartActivity("chatCompletions", ActivityKind.Server, default(ActivityContext), startTime: start)!)
        {
            root.SetTag(SpanAttributes.TfySpanType, SpanTypes.ChatCompletion);
            root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, "user:example@email.com");
            root.SetTag(SpanAttributes.TfyRequestCreatedBySubjectTeams, new[] { "eng" });
            root.SetTag(SpanAttributes.TfyTracingProjectFqn, "acme:tracing-project:default");
            root.SetTag(SpanAttributes.TfyRequestMetadata, """{"env":"prod","n":3}""");
            root.SetTag(SpanAttributes.TfyModelMetricInputTokens, 12);
            root.SetTag(SpanAttributes.TfyModelMetricCostInUsd, 0.5);
            root.SetTag(SpanAttributes.TfyModelStreaming, true);
            root.SetTag("nan", double.NaN);
            root.AddEvent(new ActivityEvent(SpanAttributes.EventUserMessage, start.AddMilliseconds(1), new ActivityTagsCollection { ["content"] = "hi" }));
            root.SetStatus(ActivityStatusCode.Error, "boom");
            root.SetEndTime(start.AddMilliseconds(250).UtcDateTime);
        }
        var r = _converter.Convert(root);
        Assert.Equal(root.TraceId.ToHexString(), Convert.ToHexStringLower(r.TraceId));
        Assert.Equal(root.SpanId.ToHexString(), Convert.ToHexStringLower(r.SpanId));
        Assert.Empty(r.ParentSpanId);
        Assert.Equal("chatCompletions", r.Name);
        Assert.Equal((int)ActivityKind.Server, r.Kind);
        Assert.Equal(UnixTime.ToNanos(start), r.StartTimeNs);
        Assert.Equal(250_000_000, r.DurationNs);
        Assert.Equal((int)ActivityStatusCode.Error, r.Status);
        Assert.Equal("boom", r.StatusMessage);
        Assert.Equal("acme:tracing-project:default", r.ProjectFqn);
        Assert.Equal("user", r.SubjectType);
        Assert.Equal("example@email.com", r.SubjectSlug);
        Assert.Equal("my-app", r.ApplicationName);
        var (attributes, events) = await StoredAsync(root);
        Assert.Equal(12, attributes.GetProperty(SpanAttributes.TfyModelMetricInputTokens).GetInt32());
        Assert.Equal(0.5, attributes.GetProperty(SpanAttributes.TfyModelMetricCostInUsd).GetDouble());
        Assert.Equal(JsonValueKind.True, attributes.GetProperty(SpanAttributes.TfyModelStreaming).ValueKind);
        Assert.Equal("eng", attributes.GetProperty(SpanAttributes.TfyRequestCreatedBySubjectTeams)[0].GetString());
        Assert.Equal("NaN", attributes.GetProperty("nan").GetString());
        Assert.Equal(SpanAttributes.EventUserMessage, events[0].GetProperty("name").GetString());
        Assert.Equal(UnixTime.ToIso(UnixTime.ToNanos(start.AddMilliseconds(1))), events[0].GetProperty("timestamp").GetString());
        Assert.Equal("hi", events[0].GetProperty("attributes").GetProperty("content").GetString());
        using var metadata = JsonDocument.Parse(r.MetadataJson!);
        Assert.Equal("prod", metadata.RootElement.GetProperty("env").GetString());
        Assert.Equal("3", metadata.RootElement.GetProperty("n").GetString());
    }

    [Fact]
    public async Task Children_inherit_the_request_attributes_from_their_root()
    {
        Activity root, model, network;
        using (root = _source.StartActivity("chatCompletions")!)
        {
            root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, "virtualaccount:exampleaccount");
            root.SetTag(SpanAttributes.TfyTracingProjectFqn, "acme:tracing-project:default");
            root.SetTag(SpanAttributes.TfyRequestMetadata, """{"env":"prod"}""");
            using (model = _source.StartActivity("Model")!)
            {
                using (network = _source.StartActivity("Network Call", ActivityKind.Client)!)
                {
                }
            }
        }
        var n = _converter.Convert(network);
        Assert.Equal(model.SpanId.ToHexString(), Convert.ToHexStringLower(n.ParentSpanId));
        Assert.Equal("virtualaccount", n.SubjectType);
        Assert.Equal("exampleaccount", n.SubjectSlug);
        Assert.Equal("acme:tracing-project:default", n.ProjectFqn);
        Assert.Equal("""{"env":"prod"}""", n.MetadataJson);
        // Inherited values are columns, not the child's own attributes.
        var (attributes, events) = await StoredAsync(network);
        Assert.Empty(attributes.EnumerateObject());
        Assert.Equal(0, events.GetArrayLength());
    }

    [Fact]
    public void A_span_without_a_project_is_resolved_by_the_rules()
    {
        Activity bot, anonymous;
        using (bot = _source.StartActivity("chatCompletions")!)
        {
            bot.SetTag(SpanAttributes.TfyRequestCreatedBySubject, "virtualaccount:bot");
        }
        using (anonymous = _source.StartActivity("chatCompletions")!)
        {
        }
        Assert.Equal("acme:tracing-project:bots", _converter.Convert(bot).ProjectFqn);
        var r = _converter.Convert(anonymous);
        Assert.Equal("acme:tracing-project:default", r.ProjectFqn);
        Assert.Null(r.SubjectType);
        Assert.Null(r.SubjectSlug);
    }

    [Theory]
    [InlineData("""{"a":"b"}""", "b")]
    [InlineData("not json", null)]
    [InlineData("{broken", null)]
    public void Metadata_is_a_json_object_or_nothing(string text, string? a)
    {
        var map = SpanRecordConverter.ParseMetadata(text);
        Assert.Equal(a, map?["a"]);
    }
}
