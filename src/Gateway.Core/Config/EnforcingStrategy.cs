using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>
/// Reference 1.4: what a guardrail's verdict does. <c>enforce</c>: a violation blocks (or the mutation applies)
/// and a guardrail that fails to run blocks too; <c>enforce_but_ignore_on_error</c>: the same, except that a
/// failure to run lets the request through; <c>audit</c>: nothing is blocked or changed, the span records it.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<EnforcingStrategy>))]
internal enum EnforcingStrategy
{
    Enforce,
    EnforceButIgnoreOnError,
    Audit,
}
