using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>A rate limit rule's <c>unit</c> (reference 1.2): what is counted, and over which period.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RateLimitUnit>))]
internal enum RateLimitUnit
{
    RequestsPerMinute,
    RequestsPerHour,
    RequestsPerDay,
    TokensPerMinute,
    TokensPerHour,
    TokensPerDay,
}
