using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>What the <c>pii</c> guardrail looks for; each is redacted as its placeholder (<c>[EMAIL]</c>, ...).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PiiEntity>))]
internal enum PiiEntity
{
    Email,
    Phone,
    CreditCard,
    Iban,
    UsSsn,
    IpAddress,
    Secret,
}
