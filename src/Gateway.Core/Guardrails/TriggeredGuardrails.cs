using Gateway.Proxy;

namespace Gateway.Guardrails;

/// <summary>One request's guardrail hooks: its exchange, whose root span collects tfy.triggered_guardrail_fqns.</summary>
internal sealed class TriggeredGuardrails(Exchange exchange)
{
    public Exchange Exchange => exchange;

    public void Add(IReadOnlyList<string> fqns) => GuardrailSpans.AddTriggered(exchange, fqns);
}
