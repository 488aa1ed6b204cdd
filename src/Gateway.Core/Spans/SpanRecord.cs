namespace Gateway.Spans;

/// <summary>
/// A span as the query API answers it: OpenTelemetry fields, project, subject, application, and the
/// attributes and events as JSON text (decoded from the store's blob, SpanQueryExecutor). Tests and tools
/// also queue spans in this form (SpanStore.TryEnqueue); the store keeps them as <see cref="SpanRow"/>s.
/// </summary>
internal sealed class SpanRecord
{
    public required string TraceId { get; init; }
    public required string SpanId { get; init; }
    /// <summary>Empty for a root span, so <c>parentSpanIds: [""]</c> selects roots.</summary>
    public string ParentSpanId { get; init; } = "";
    public required string Name { get; init; }
    /// <summary>OpenTelemetry's span kind name: Internal, Server, Client, Producer, Consumer.</summary>
    public string Kind { get; init; } = "Internal";
    /// <summary>Unix epoch nanoseconds.</summary>
    public required long StartTimeNs { get; init; }
    public required long DurationNs { get; init; }
    /// <summary>OpenTelemetry's status code name: Unset, Ok, Error.</summary>
    public string StatusCode { get; init; } = "Unset";
    public string? StatusMessage { get; init; }
    public required string ProjectFqn { get; init; }
    /// <summary>From <c>tfy.request.created_by_subject</c> = <c>type:slug</c>.</summary>
    public string? SubjectType { get; init; }
    public string? SubjectSlug { get; init; }
    public required string ApplicationName { get; init; }
    /// <summary>A JSON object of the span's own attributes, values typed as they were set.</summary>
    public string AttributesJson { get; init; } = "{}";
    /// <summary>A JSON array of <c>{name, timestamp, attributes}</c>, or null without events.</summary>
    public string? EventsJson { get; init; }
    /// <summary>The request's x-tfy-metadata as a JSON object of strings, or null.</summary>
    public string? MetadataJson { get; init; }
}
