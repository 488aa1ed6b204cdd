namespace Gateway.Spans;

/// <summary>The filter operators of the query API, named on the wire as in ../shared/reference/truefoundry.md 1.7.</summary>
internal enum SpanFilterOperator
{
    Equal,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterThanEqual,
    LessThanEqual,
    Between,
    In,
    NotIn,
    StringContains,
    StringNotContains,
    StringStartsWith,
    StringNotStartsWith,
    StringEndsWith,
    StringNotEndsWith,
    ArrayHasAny,
    ArrayHasNone,
    Present,
    IsNull,
}
