namespace Gateway.Spans;

/// <summary>One request of a summary: its root span's time, duration and status, and the sums over its Model spans.</summary>
internal readonly record struct SpanSummaryRow(long StartNs, long DurationNs, bool Error, double? TtftMs, long InputTokens, long OutputTokens, double CostUsd);
