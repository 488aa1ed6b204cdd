using System.Diagnostics;

namespace Gateway.Spans;

/// <summary>
/// A finished span on its way into the store (the writer's; queries read <see cref="SpanRecord"/>): the
/// columns, and the attributes and events still as values, which <see cref="SpanBlobWriter"/> encodes in
/// the context of its batch (the donor of shared text, the ids of keys).
/// </summary>
internal sealed class SpanRow
{
    public required byte[] TraceId { get; init; }
    public required byte[] SpanId { get; init; }
    /// <summary>Empty for a root span.</summary>
    public byte[] ParentSpanId { get; init; } = [];
    public required string Name { get; init; }
    public int Kind { get; init; }
    public int Status { get; init; }
    public string? StatusMessage { get; init; }
    public required long StartTimeNs { get; init; }
    public required long DurationNs { get; init; }
    public required string ProjectFqn { get; init; }
    public string? SubjectType { get; init; }
    public string? SubjectSlug { get; init; }
    public required string ApplicationName { get; init; }
    public string? MetadataJson { get; init; }

    /// <summary>The finished activity whose tags and events are the span's; null for a row made from a record.</summary>
    public Activity? Activity { get; init; }
    /// <summary>The attributes of a row made from a record (an activity's are read from it).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Attributes { get; init; } = [];
    /// <summary>The events of a row made from a record.</summary>
    public IReadOnlyList<SpanRowEvent> Events { get; init; } = [];

    /// <summary>The row id, given by the batch in insertion order.</summary>
    public long Id { get; set; }
    /// <summary>The encoded attributes and events (in the batch's buffer).</summary>
    public ReadOnlyMemory<byte> Blob { get; set; }
    /// <summary>How far after this row the donor row is (<c>donor</c> column), or null without one.</summary>
    public long? DonorDelta { get; set; }
    /// <summary>This row's pool before compression: what later-encoded rows of its trace may take text from.</summary>
    public ReadOnlyMemory<byte> Pool { get; set; }
}
