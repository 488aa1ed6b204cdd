using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Tracing;

namespace Gateway.Spans;

/// <summary>
/// Turns a finished <see cref="Activity"/> (or a ready <see cref="SpanRecord"/>) into a <see cref="SpanRow"/>:
/// its columns; the attributes and events stay on the activity until the writer encodes them. Runs on the
/// store's writer thread, not on the request path.
/// </summary>
/// <remarks>
/// The gateway sets the request-level attributes (subject, teams, tracing project, metadata) on every span
/// of a request as it starts (ExchangeTrace.TagRequest). A span that still lacks one (the model, or a span
/// another component started under a request) takes it from its nearest in-process ancestor.
/// </remarks>
internal sealed class SpanRecordConverter(TracingProjectResolver resolver, string applicationName)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    // The last metadata tag value and what it became: the spans of a request share one string (ExchangeTrace).
    private object? _metadataTag;
    private Dictionary<string, string>? _metadataMap;
    private string? _metadataJson;

    public string ApplicationName { get; } = applicationName;

    public SpanRow Convert(Activity a)
    {
        var request = default(RequestTags);
        request.Scan(a);
        // A span the gateway tagged carries the request's attributes itself: ExchangeTrace.TagRequest sets the
        // project and subject, and teams and metadata when the request has them, together. Only a span without
        // them (one another component started under a request) looks at its ancestors.
        if (request.Project is null || request.Subject is null)
        {
            for (var parent = a.Parent; parent is not null && !request.Complete; parent = parent.Parent) request.Scan(parent);
        }
        var (subject, project, model, teams, metadata) = (request.Subject, request.Project, request.Model, request.Teams, request.Metadata);

        if (!ReferenceEquals(metadata, _metadataTag))
        {
            _metadataTag = metadata;
            _metadataMap = ParseMetadata(metadata);
            _metadataJson = _metadataMap is null ? null : WriteMetadata(_metadataMap);
        }
        var metadataMap = _metadataMap;
        string? subjectType = null, subjectSlug = null;
        if (!string.IsNullOrEmpty(subject)) (subjectType, subjectSlug) = SubjectRef.Split(subject);
        if (string.IsNullOrEmpty(project))
        {
            var caller = subjectSlug is null ? null : new Subject(subjectType ?? "", subjectSlug, TeamList(teams), "");
            project = resolver.Resolve(caller, model, metadataMap);
        }

        var traceId = new byte[16];
        a.TraceId.CopyTo(traceId);
        var spanId = new byte[8];
        a.SpanId.CopyTo(spanId);
        var parentSpanId = Array.Empty<byte>();
        if (a.ParentSpanId != default)
        {
            parentSpanId = new byte[8];
            a.ParentSpanId.CopyTo(parentSpanId);
        }
        return new SpanRow
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentSpanId,
            Name = a.DisplayName,
            Kind = SpanCodes.Kind(a.Kind),
            StartTimeNs = UnixTime.ToNanos(a.StartTimeUtc),
            DurationNs = a.Duration.Ticks * 100,
            Status = SpanCodes.Status(a.Status),
            StatusMessage = string.IsNullOrEmpty(a.StatusDescription) ? null : a.StatusDescription,
            ProjectFqn = project,
            SubjectType = subjectType,
            SubjectSlug = subjectSlug,
            ApplicationName = ApplicationName,
            MetadataJson = _metadataJson,
            Activity = a,
        };
    }

    /// <summary>A record queued ready-made (tests, tools): hex ids, attributes and events as the query API's JSON.</summary>
    /// <exception cref="FormatException">An id is not hex, or the JSON is not an object (attributes) or array (events).</exception>
    public static SpanRow FromRecord(SpanRecord r)
    {
        try
        {
            return new SpanRow
            {
                TraceId = System.Convert.FromHexString(r.TraceId),
                SpanId = System.Convert.FromHexString(r.SpanId),
                ParentSpanId = System.Convert.FromHexString(r.ParentSpanId),
                Name = r.Name,
                Kind = SpanCodes.Kind(r.Kind),
                StartTimeNs = r.StartTimeNs,
                DurationNs = r.DurationNs,
                Status = SpanCodes.Status(r.StatusCode),
                StatusMessage = r.StatusMessage,
                ProjectFqn = r.ProjectFqn,
                SubjectType = r.SubjectType,
                SubjectSlug = r.SubjectSlug,
                ApplicationName = r.ApplicationName,
                MetadataJson = r.MetadataJson,
                Attributes = ParseAttributes(r.AttributesJson),
                Events = r.EventsJson is null ? [] : ParseEvents(r.EventsJson),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException("span record: " + e.Message, e);
        }
    }

    private static List<KeyValuePair<string, object?>> ParseAttributes(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Attributes(doc.RootElement);
    }

    private static List<KeyValuePair<string, object?>> Attributes(JsonElement o) =>
        [.. o.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Value(p.Value)))];

    private static List<SpanRowEvent> ParseEvents(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var events = new List<SpanRowEvent>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var time = e.GetProperty("timestamp").GetString() ?? "";
            if (!UnixTime.TryParseIso(time, out var ns)) throw new FormatException($"span record: event timestamp '{time}'");
            events.Add(new SpanRowEvent(e.GetProperty("name").GetString() ?? "", ns,
                e.TryGetProperty("attributes", out var attributes) ? Attributes(attributes) : []));
        }
        return events;
    }

    /// <summary>A JSON value as a tag value: whole numbers as longs, other numbers as doubles, objects as JSON text.</summary>
    private static object? Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : (object)e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(Value).ToArray(),
        JsonValueKind.Object => new SpanJsonText(e.GetRawText()),
        _ => null,
    };

    private string WriteMetadata(Dictionary<string, string> metadata)
    {
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, SpanJson.WriterOptions))
        {
            w.WriteStartObject();
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    /// <summary>
    /// x-tfy-metadata arrives as a JSON object text (the header as sent) or as a string map; anything
    /// else is not request metadata. Values are strings by the header's contract; other JSON values
    /// are kept as their JSON text.
    /// </summary>
    internal static Dictionary<string, string>? ParseMetadata(object? value)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, string> map:
                return new Dictionary<string, string>(map, StringComparer.Ordinal);
            case string { Length: > 1 } text when text[0] == '{':
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    var result = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                    }
                    return result;
                }
                catch (JsonException)
                {
                    return null;
                }
            default:
                return null;
        }
    }

    /// <summary>The request-level attributes, from a span and then its ancestors (the nearest one's win).</summary>
    private struct RequestTags
    {
        public string? Subject, Project, Model;
        public object? Teams, Metadata;

        public readonly bool Complete => Subject is not null && Project is not null && Metadata is not null && Model is not null;

        /// <summary>One pass over an activity's tags; a value found nearer is kept.</summary>
        public void Scan(Activity a)
        {
            string? subject = null, project = null, modelName = null, requestModel = null;
            object? teams = null, metadata = null;
            foreach (ref readonly var tag in a.EnumerateTagObjects())
            {
                switch (tag.Key)
                {
                    case SpanAttributes.TfyRequestCreatedBySubject: subject = tag.Value as string; break;
                    case SpanAttributes.TfyRequestCreatedBySubjectTeams: teams = tag.Value; break;
                    case SpanAttributes.TfyTracingProjectFqn: project = tag.Value as string; break;
                    case SpanAttributes.TfyRequestMetadata: metadata = tag.Value; break;
                    case SpanAttributes.TfyRequestModelName: modelName = tag.Value as string; break;
                    case SpanAttributes.GenAiRequestModel: requestModel = tag.Value as string; break;
                }
            }
            Subject ??= subject;
            Project ??= project;
            Model ??= modelName ?? requestModel;
            Teams ??= teams;
            Metadata ??= metadata;
        }
    }

    private static IReadOnlyList<string> TeamList(object? teams) => teams switch
    {
        string[] array => array,
        string one when one.Length > 0 => one.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        IEnumerable<string> many => [.. many],
        _ => [],
    };
}
