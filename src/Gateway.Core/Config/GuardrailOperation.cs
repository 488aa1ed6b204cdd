using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>Reference 1.4: <c>validate</c> passes or blocks; <c>mutate</c> may also rewrite the content (redaction).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GuardrailOperation>))]
internal enum GuardrailOperation
{
    Validate,
    Mutate,
}
