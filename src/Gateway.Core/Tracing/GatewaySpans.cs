using System.Diagnostics;
using Gateway.Proxy;

namespace Gateway.Tracing;

/// <summary>
/// Helpers for the spans other concerns emit under a request's root (seed 000: RateLimiterMiddleware,
/// loadBalanceMiddleware, fallbackRequest; seed 003: guardrails). During a request the root is
/// <see cref="Activity.Current"/>, so a span started here nests under it, and becomes current itself until
/// disposed: a fallbackRequest span left open around the fallback attempt parents its Model span.
/// All return null when nothing records; all setters accept null.
/// </summary>
internal static class GatewaySpans
{
    /// <summary>A child of the current span carrying the request's attributes (subject, teams, metadata, project) and span type, if given.</summary>
    public static Activity? Start(string name, Exchange? exchange, string? spanType = null, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = GatewayActivitySource.Instance.StartActivity(name, kind);
        if (activity is not { IsAllDataRequested: true }) return activity;
        if (exchange?.ListenerState is ExchangeTrace trace) trace.TagRequest(activity, exchange);
        if (spanType is not null) activity.SetTag(SpanAttributes.TfySpanType, spanType);
        return activity;
    }

    /// <summary>seed 000 RateLimiterMiddleware: who asks for what.</summary>
    public static Activity? StartRateLimiter(Exchange exchange)
    {
        var span = Start(SpanNames.RateLimiterMiddleware, exchange);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(SpanAttributes.RateLimiterModel, exchange.Head.Model);
        if (exchange.Metadata.Count > 0) span.SetTag(SpanAttributes.RateLimiterMetadata, CompletionTags.MetadataJson(exchange.Metadata));
        span.SetTag(SpanAttributes.RateLimiterUserSubjectType, exchange.Subject.Type);
        span.SetTag(SpanAttributes.RateLimiterUserSubjectSlug, exchange.Subject.Slug);
        span.SetTag(SpanAttributes.RateLimiterUserTenantName, exchange.Subject.Tenant);
        return span;
    }

    /// <summary>The outcome: rules checked, the deciding rule, status (e.g. allowed / limited) and what remains.</summary>
    public static void SetRateLimiterResult(Activity? span, IReadOnlyList<string> ruleIds, string? decidingRuleId, string status, long? remaining)
    {
        if (span is not { IsAllDataRequested: true }) return;
        var rules = ruleIds as string[] ?? [.. ruleIds];
        span.SetTag(SpanAttributes.RateLimiterRules, rules);
        span.SetTag(SpanAttributes.AppliedRateLimitRuleIds, rules);
        if (decidingRuleId is not null) span.SetTag(SpanAttributes.RateLimiterRuleId, decidingRuleId);
        span.SetTag(SpanAttributes.RateLimiterStatus, status);
        if (remaining is not null) span.SetTag(SpanAttributes.RateLimiterRemaining, remaining.Value);
    }

    /// <summary>A guardrail check (tfy.span_type Guardrail) on the entity it guards (e.g. type "model", the model id).</summary>
    public static Activity? StartGuardrail(Exchange? exchange, string fqn, string name, string entityType, string entityId)
    {
        var span = Start(SpanNames.Guardrail, exchange, SpanTypes.Guardrail);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag(SpanAttributes.TfyGuardrailId, fqn);
        span.SetTag(SpanAttributes.TfyGuardrailName, name);
        span.SetTag(SpanAttributes.TfyGuardrailFqn, fqn);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityType, entityType);
        span.SetTag(SpanAttributes.TfyGuardrailAppliedOnEntityId, entityId);
        return span;
    }

    /// <summary>Result values as in reference/truefoundry.md: pass, mutate, flag, or a blocking failure.</summary>
    public static void SetGuardrailResult(Activity? span, string result, double latencyMs, string? errorMessage = null)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag(SpanAttributes.TfyGuardrailResult, result);
        span.SetTag(SpanAttributes.TfyGuardrailMetricLatencyInMs, Math.Round(latencyMs, 3));
        if (errorMessage is null) return;
        span.SetTag(SpanAttributes.TfyErrorMessage, errorMessage);
        span.SetStatus(ActivityStatusCode.Error, errorMessage);
    }
}
