namespace Gateway.Spans;

/// <summary>An event of a <see cref="SpanRow"/> made from a record.</summary>
internal readonly record struct SpanRowEvent(string Name, long TimestampNs, IReadOnlyList<KeyValuePair<string, object?>> Attributes);
