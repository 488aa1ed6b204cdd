using System.Diagnostics;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Routing;

namespace Gateway.Guardrails;

/// <summary>
/// The guardrails of one config snapshot: which apply to a request or a tool call, and running them in order
/// with their enforcing strategies, one <c>Guardrail</c> span each (<see cref="GuardrailSpans"/>).
/// Every rule that matches applies, in file order; within a rule, its list in order; a guardrail named by
/// several matching rules runs once, where it is first named. Each guardrail sees the content as the ones
/// before it left it (a redaction first, then a webhook sees the redacted text).
/// </summary>
internal sealed class GuardrailEngine
{
    private readonly Dictionary<string, IGuardrail> _guardrails = new(StringComparer.Ordinal);
    private readonly (GuardrailRuleConfig Rule, RuleMatcher Llm, RuleMatcher Mcp)[] _rules;
    private readonly TracingOptions _tracing;
    private readonly TimeProvider _time;

    public GuardrailEngine(GatewayConfig config, HttpMessageInvoker http, TimeProvider? time = null)
    {
        _tracing = config.Tracing;
        _time = time ?? TimeProvider.System;
        foreach (var (name, guardrail) in config.Guardrails.Configs) _guardrails[name] = GuardrailFactory.Create(guardrail, config, http);
        _rules = [.. config.Guardrails.Rules.Select(r => (r, new RuleMatcher(r.When), new RuleMatcher(new RuleCondition { Subjects = r.When.Subjects, Metadata = r.When.Metadata })))];
        HasOutputGuardrails = config.Guardrails.Rules.Any(r => r.LlmOutput.Count > 0);
    }

    public bool HasOutputGuardrails { get; }

    /// <summary>The guardrails of an LLM hook for a request to <paramref name="model"/> (after alias resolution).</summary>
    public IReadOnlyList<IGuardrail> ForModel(GuardrailHook hook, Subject subject, string model, IReadOnlyDictionary<string, string> metadata)
    {
        List<IGuardrail>? selected = null;
        foreach (var (rule, llm, _) in _rules)
        {
            if (rule.For(hook).Count > 0 && llm.Matches(subject, model, metadata)) Add(ref selected, rule.For(hook));
        }
        return selected ?? [];
    }

    /// <summary>The guardrails of an MCP hook for <paramref name="tool"/> of <paramref name="server"/>.</summary>
    public IReadOnlyList<IGuardrail> ForTool(GuardrailHook hook, Subject subject, string server, string tool, IReadOnlyDictionary<string, string> metadata)
    {
        List<IGuardrail>? selected = null;
        foreach (var (rule, _, mcp) in _rules)
        {
            if (rule.For(hook).Count == 0 || !mcp.Matches(subject, "", metadata) || !ServerMatches(rule.McpServers, server, tool)) continue;
            Add(ref selected, rule.For(hook));
        }
        return selected ?? [];
    }

    private static bool ServerMatches(IReadOnlyList<string> servers, string server, string tool)
    {
        if (servers.Count == 0) return true;
        foreach (var s in servers)
        {
            var colon = s.IndexOf(':');
            if (colon < 0 ? s == server : s.AsSpan(0, colon).SequenceEqual(server) && s.AsSpan(colon + 1).SequenceEqual(tool)) return true;
        }
        return false;
    }

    private void Add(ref List<IGuardrail>? selected, IReadOnlyList<string> names)
    {
        selected ??= [];
        foreach (var name in names)
        {
            var guardrail = _guardrails[name];
            if (!selected.Contains(guardrail)) selected.Add(guardrail);
        }
    }

    /// <summary>
    /// Runs <paramref name="guardrails"/> over <paramref name="check"/>'s parts in order. A violation under
    /// <c>enforce</c> or <c>enforce_but_ignore_on_error</c> stops the run with a 400 <c>guardrail_violation</c>;
    /// a failure to run stops it under <c>enforce</c> only (503 <c>guardrail_unavailable</c>); under <c>audit</c>
    /// nothing stops or changes anything and the span says <c>flag</c>. A mutation applies under the enforcing
    /// strategies; from a <c>validate</c> guardrail (a webhook that answered mutate) it counts as a violation.
    /// </summary>
    /// <param name="exchange">The request the spans belong to (its root is their parent); null outside a request.</param>
    public async ValueTask<GuardrailRun> RunAsync(IReadOnlyList<IGuardrail> guardrails, GuardrailCheck check, Exchange? exchange, CancellationToken ct)
    {
        var parts = check.Parts;
        var spanParts = parts;
        var mutated = false;
        List<string>? triggered = null;
        foreach (var guardrail in guardrails)
        {
            var config = guardrail.Config;
            var name = config.Name!;
            var started = _time.GetTimestamp();
            using var span = GuardrailSpans.Start(exchange, name, check);
            GuardrailVerdict verdict;
            try
            {
                verdict = await guardrail.CheckAsync(check with { Parts = parts }, span, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                verdict = GuardrailVerdict.Error(e.GetType().Name);
            }
            if (verdict.Outcome == GuardrailOutcome.Mutated && config.Operation == GuardrailOperation.Validate)
            {
                verdict = GuardrailVerdict.Violation(verdict.Reason ?? "the content would be rewritten");
            }
            var audit = config.EnforcingStrategy == EnforcingStrategy.Audit;
            var (result, blocked) = verdict.Outcome switch
            {
                GuardrailOutcome.Pass => (GuardrailSpans.Pass, null),
                GuardrailOutcome.Violation when audit => (GuardrailSpans.Flag, null),
                GuardrailOutcome.Violation => (GuardrailSpans.Block, GuardrailErrors.Violation(name, check.Hook, verdict.Reason!)),
                GuardrailOutcome.Mutated when audit => (GuardrailSpans.Flag, null),
                GuardrailOutcome.Mutated => (GuardrailSpans.Mutate, (Gateway.OpenAI.GatewayError?)null),
                _ when config.EnforcingStrategy == EnforcingStrategy.Enforce => (GuardrailSpans.Error, GuardrailErrors.Unavailable(name, verdict.Reason!)),
                _ => (GuardrailSpans.Error, null),
            };
            // What the span stores: the content as this guardrail saw it, redacted if it looks for PII.
            spanParts = guardrail.ForSpans(spanParts);
            if (verdict.Outcome is GuardrailOutcome.Violation or GuardrailOutcome.Mutated) (triggered ??= []).Add(name);
            if (result == GuardrailSpans.Mutate)
            {
                parts = verdict.Parts!;
                spanParts = guardrail.ForSpans(parts);
                mutated = true;
            }
            GuardrailSpans.End(span, check, result, verdict.Reason, blocked?.Message, spanParts, _tracing, _time.GetElapsedTime(started).TotalMilliseconds);
            if (blocked is not null) return new GuardrailRun(parts, mutated, blocked, triggered ?? []) { SpanParts = spanParts };
        }
        return new GuardrailRun(parts, mutated, null, (IReadOnlyList<string>?)triggered ?? []) { SpanParts = spanParts };
    }
}
