using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>A guardrail integration's <c>type</c> (docs/guardrails.md, one section each).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GuardrailKind>))]
internal enum GuardrailKind
{
    /// <summary>Emails, phone numbers, cards (Luhn), IBANs (mod 97), US SSNs, IP addresses, API-key-like secrets.</summary>
    Pii,
    /// <summary>Keywords and regular expressions that must not appear.</summary>
    DenyList,
    /// <summary>At most <c>max_chars</c> characters or <c>max_tokens</c> estimated tokens.</summary>
    MaxLength,
    /// <summary>Weighted phrases ("ignore previous instructions", ...) scored against a threshold.</summary>
    PromptInjection,
    /// <summary>An HTTP POST to a URL that answers pass, block or mutate.</summary>
    Webhook,
    /// <summary>A configured provider's <c>/v1/moderations</c>.</summary>
    Moderation,
}
