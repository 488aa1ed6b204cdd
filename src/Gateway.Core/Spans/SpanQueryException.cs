namespace Gateway.Spans;

/// <summary>A bad query body, thrown inside the parser only and turned into a 400 at its edge.</summary>
internal sealed class SpanQueryException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}
