using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Tracing;

namespace Gateway.Spans;

/// <summary>
/// Turns a finished <see cref="Activity"/> into a <see cref="SpanRecord"/>. Runs on the store's
/// writer task, not on the request path. Not thread-safe: it reuses one buffer.
/// </summary>
/// <remarks>
/// The gateway sets the request-level attributes (subject, teams, tracing project, metadata) on every span
/// of a request as it starts (ExchangeTrace.TagRequest). A span that still lacks one (the model, or a span
/// another component started under a request) takes it from its nearest in-process ancestor.
/// </remarks>
internal sealed class SpanRecordConverter(TracingProjectResolver resolver, string applicationName)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    public string ApplicationName { get; } = applicationName;

    public SpanRecord Convert(Activity a)
    {
        string? subject = null, project = null, model = null;
        object? teams = null, metadata = null;
        var attributes = WriteAttributes(a, ref subject, ref teams, ref project, ref metadata, ref model);

        for (var parent = a.Parent; parent is not null && (subject is null || project is null || metadata is null || model is null); parent = parent.Parent)
        {
            subject ??= parent.GetTagItem(SpanAttributes.TfyRequestCreatedBySubject) as string;
            teams ??= parent.GetTagItem(SpanAttributes.TfyRequestCreatedBySubjectTeams);
            project ??= parent.GetTagItem(SpanAttributes.TfyTracingProjectFqn) as string;
            metadata ??= parent.GetTagItem(SpanAttributes.TfyRequestMetadata);
            model ??= parent.GetTagItem(SpanAttributes.TfyRequestModelName) as string ?? parent.GetTagItem(SpanAttributes.GenAiRequestModel) as string;
        }

        var metadataMap = ParseMetadata(metadata);
        string? subjectType = null, subjectSlug = null;
        if (!string.IsNullOrEmpty(subject)) (subjectType, subjectSlug) = SubjectRef.Split(subject);
        if (string.IsNullOrEmpty(project))
        {
            var caller = subjectSlug is null ? null : new Subject(subjectType ?? "", subjectSlug, TeamList(teams), "");
            project = resolver.Resolve(caller, model, metadataMap);
        }

        return new SpanRecord
        {
            TraceId = a.TraceId.ToHexString(),
            SpanId = a.SpanId.ToHexString(),
            ParentSpanId = a.ParentSpanId == default ? "" : a.ParentSpanId.ToHexString(),
            Name = a.DisplayName,
            Kind = KindName(a.Kind),
            StartTimeNs = UnixTime.ToNanos(a.StartTimeUtc),
            DurationNs = a.Duration.Ticks * 100,
            StatusCode = a.Status switch { ActivityStatusCode.Ok => "Ok", ActivityStatusCode.Error => "Error", _ => "Unset" },
            StatusMessage = string.IsNullOrEmpty(a.StatusDescription) ? null : a.StatusDescription,
            ProjectFqn = project,
            SubjectType = subjectType,
            SubjectSlug = subjectSlug,
            ApplicationName = ApplicationName,
            AttributesJson = attributes,
            EventsJson = WriteEvents(a),
            MetadataJson = metadataMap is null ? null : WriteMetadata(metadataMap),
        };
    }

    private string WriteAttributes(Activity a, ref string? subject, ref object? teams, ref string? project, ref object? metadata, ref string? model)
    {
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, SpanJson.WriterOptions))
        {
            w.WriteStartObject();
            foreach (ref readonly var tag in a.EnumerateTagObjects())
            {
                w.WritePropertyName(tag.Key);
                SpanJson.WriteValue(w, tag.Value);
                switch (tag.Key)
                {
                    case SpanAttributes.TfyRequestCreatedBySubject: subject = tag.Value as string; break;
                    case SpanAttributes.TfyRequestCreatedBySubjectTeams: teams = tag.Value; break;
                    case SpanAttributes.TfyTracingProjectFqn: project = tag.Value as string; break;
                    case SpanAttributes.TfyRequestMetadata: metadata = tag.Value; break;
                    case SpanAttributes.TfyRequestModelName: model = tag.Value as string; break;
                    case SpanAttributes.GenAiRequestModel: model ??= tag.Value as string; break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private string? WriteEvents(Activity a)
    {
        var any = false;
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, SpanJson.WriterOptions))
        {
            w.WriteStartArray();
            foreach (ref readonly var e in a.EnumerateEvents())
            {
                any = true;
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
        return any ? Encoding.UTF8.GetString(_buffer.WrittenSpan) : null;
    }

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

    private static IReadOnlyList<string> TeamList(object? teams) => teams switch
    {
        string[] array => array,
        string one when one.Length > 0 => one.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        IEnumerable<string> many => [.. many],
        _ => [],
    };

    private static string KindName(ActivityKind kind) => kind switch
    {
        ActivityKind.Server => "Server",
        ActivityKind.Client => "Client",
        ActivityKind.Producer => "Producer",
        ActivityKind.Consumer => "Consumer",
        _ => "Internal",
    };
}
