using System.Text.Json;

namespace Gateway.Spans;

/// <summary>
/// Writes <c>{"data": [TraceSpan...], "pagination": {"nextPageToken"}}</c>: each span with its
/// OpenTelemetry fields, <c>spanAttributes</c> and <c>createdBySubject</c> (truefoundry.md 1.7).
/// </summary>
internal static class SpanQueryResponseWriter
{
    public static void Write(Utf8JsonWriter w, IReadOnlyList<SpanRecord> spans, string? nextPageToken)
    {
        w.WriteStartObject();
        w.WriteStartArray("data"u8);
        foreach (var s in spans) WriteSpan(w, s);
        w.WriteEndArray();
        w.WriteStartObject("pagination"u8);
        if (nextPageToken is null) w.WriteNull("nextPageToken"u8); else w.WriteString("nextPageToken"u8, nextPageToken);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter w, SpanRecord s)
    {
        w.WriteStartObject();
        w.WriteString("traceId"u8, s.TraceId);
        w.WriteString("spanId"u8, s.SpanId);
        w.WriteString("parentSpanId"u8, s.ParentSpanId);
        w.WriteString("spanName"u8, s.Name);
        w.WriteString("spanKind"u8, s.Kind);
        w.WriteString("startTime"u8, UnixTime.ToIso(s.StartTimeNs));
        w.WriteString("endTime"u8, UnixTime.ToIso(s.StartTimeNs + s.DurationNs));
        w.WriteNumber("durationNs"u8, s.DurationNs);
        w.WriteString("statusCode"u8, s.StatusCode);
        if (s.StatusMessage is null) w.WriteNull("statusMessage"u8); else w.WriteString("statusMessage"u8, s.StatusMessage);
        w.WriteString("serviceName"u8, s.ApplicationName);
        w.WriteString("applicationName"u8, s.ApplicationName);
        w.WriteString("tracingProjectFqn"u8, s.ProjectFqn);
        // Stored JSON was written by SpanRecordConverter with Utf8JsonWriter: already valid.
        w.WritePropertyName("spanAttributes"u8);
        w.WriteRawValue(s.AttributesJson, skipInputValidation: true);
        w.WritePropertyName("events"u8);
        if (s.EventsJson is null) { w.WriteStartArray(); w.WriteEndArray(); }
        else w.WriteRawValue(s.EventsJson, skipInputValidation: true);
        if (s.SubjectSlug is null)
        {
            w.WriteNull("createdBySubject"u8);
        }
        else
        {
            w.WriteStartObject("createdBySubject"u8);
            if (s.SubjectType is null) w.WriteNull("subjectType"u8); else w.WriteString("subjectType"u8, s.SubjectType);
            w.WriteString("subjectSlug"u8, s.SubjectSlug);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
