using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>A budget rule's <c>unit</c> (reference 1.3): USD per UTC day, ISO week (from Monday) or calendar month.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BudgetUnit>))]
internal enum BudgetUnit
{
    CostPerDay,
    CostPerWeek,
    CostPerMonth,
}
