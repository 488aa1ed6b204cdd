using System.Text.Json.Serialization;

namespace Gateway.OpenAI.Wire;

/// <summary><c>{"error":{"message","type","param","code"}}</c>: OpenAI's error body (param and code are written as null when absent).</summary>
internal sealed record ErrorResponse(ErrorResponse.Body Error)
{
    internal sealed record Body(
        string Message,
        string Type,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
}
