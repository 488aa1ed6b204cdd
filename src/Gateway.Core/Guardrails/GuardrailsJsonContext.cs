using System.Text.Json.Serialization;

namespace Gateway.Guardrails;

/// <summary>The wire shapes of webhook guardrails and moderation calls, source-generated (DESIGN.md decision 3).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookRequest))]
[JsonSerializable(typeof(WebhookAnswer))]
[JsonSerializable(typeof(ModerationRequest))]
[JsonSerializable(typeof(ModerationAnswer))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class GuardrailsJsonContext : JsonSerializerContext;
