namespace Gateway.Spans;

/// <summary>
/// Where the next page starts: after the span (<see cref="StartNs"/>, <see cref="SpanId"/>) in the
/// query's order, within a window whose end <see cref="EndNs"/> was pinned by the first page, so
/// spans that arrive while a client pages neither shift nor repeat what it already has.
/// </summary>
internal readonly record struct PageCursor(long StartNs, string SpanId, long EndNs);
