namespace Gateway.Spans;

/// <summary>An attribute value that is JSON text to keep as it is (an object in a record's attributes).</summary>
internal readonly record struct SpanJsonText(string Json);
