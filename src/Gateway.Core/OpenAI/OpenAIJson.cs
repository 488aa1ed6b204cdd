using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.OpenAI.Wire;

namespace Gateway.OpenAI;

/// <summary>
/// OpenAI's wire types, serialized by source generation only (DESIGN.md decision 3): snake_case names,
/// absent optional fields left out. The pass-through path never uses these; they are for what the gateway
/// must itself produce or parse (errors, the models list, answers an agent turn or a guardrail reads).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelList.Model))]
[JsonSerializable(typeof(Usage))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the gateway uses: relaxed escaping, since these bodies are JSON for API clients and
    /// never embedded in HTML (non-ASCII text stays readable, as OpenAI writes it).
    /// </summary>
    public static OpenAIJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
