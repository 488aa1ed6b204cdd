using System.Text.Json.Serialization;

namespace Gateway.Limits;

/// <summary>Source-generated JSON for budget alerts and the usage API (no reflection, DESIGN.md decision 3).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BudgetAlert))]
internal sealed partial class LimitsJsonContext : JsonSerializerContext;
