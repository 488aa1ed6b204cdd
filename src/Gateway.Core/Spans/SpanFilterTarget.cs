namespace Gateway.Spans;

/// <summary>What a filter looks at: a span field (<c>spanFieldName</c>), a span attribute (<c>spanAttributeKey</c>) or request metadata (<c>gatewayRequestMetadataKey</c>).</summary>
internal enum SpanFilterTarget
{
    Field,
    Attribute,
    Metadata,
}
