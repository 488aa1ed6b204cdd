namespace Gateway.Spans;

/// <summary>
/// One validated filter. <see cref="Values"/> holds the operand(s): none for PRESENT and IS_NULL,
/// two for BETWEEN, one or more for IN and the ARRAY operators, one otherwise. Each value is a
/// string, a long, a double or a bool (stored as 1/0, as SQLite's JSON functions return booleans).
/// </summary>
internal sealed class SpanFilter
{
    public required SpanFilterTarget Target { get; init; }
    /// <summary>The wire field name (<c>spanName</c>), attribute key or metadata key.</summary>
    public required string Key { get; init; }
    public required SpanFilterOperator Operator { get; init; }
    public required IReadOnlyList<object> Values { get; init; }
}
