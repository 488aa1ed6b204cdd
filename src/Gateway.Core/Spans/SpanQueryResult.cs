namespace Gateway.Spans;

/// <summary>One page of spans, and where the next one starts (null when this is the last).</summary>
internal sealed record SpanQueryResult(IReadOnlyList<SpanRecord> Spans, PageCursor? Next);
