using System.Diagnostics;
using Gateway.Proxy;
using Gateway.Tracing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Routing;

/// <summary>
/// The <c>loadBalanceMiddleware</c> and <c>fallbackRequest</c> spans of seed 000. Both are children
/// of <see cref="Activity.Current"/> (the request's root span when tracing runs) and siblings of the
/// model spans: neither stays current, so spans started during an attempt are not adopted by them.
/// </summary>
internal static class RoutingSpans
{
    /// <summary>Whether anybody listens to the gateway's source (then planning is timed for the span).</summary>
    public static bool Enabled => GatewayActivitySource.Instance.HasListeners();

    /// <summary>
    /// Records the load-balancing decision after the fact, with the times it was taken: the root span
    /// starts after planning (it wants the plan), so the span is emitted once the root is current.
    /// </summary>
    public static void LoadBalance(HttpRequest request, Exchange exchange, RoutePlan plan, DateTimeOffset start, DateTimeOffset end)
    {
        var saved = Activity.Current;
        var activity = GatewayActivitySource.Instance.StartActivity(SpanNames.LoadBalanceMiddleware, ActivityKind.Internal, parentContext: default, tags: null, links: null, startTime: start);
        if (activity is null) return;
        if (activity.IsAllDataRequested)
        {
            (exchange.ListenerState as ExchangeTrace)?.TagRequest(activity, exchange);
            activity.SetTag(SpanAttributes.LoadBalanceHttpUrl, SpanUrl.Of(request));
            activity.SetTag(SpanAttributes.LoadBalanceHttpMethod, request.Method);
            activity.SetTag(SpanAttributes.UserTenantName, exchange.Subject.Tenant);
            activity.SetTag(SpanAttributes.LoadBalanceRequestedModel, plan.RequestedModel);
            activity.SetTag(SpanAttributes.LoadBalanceResolvedModel, plan.Steps[0].Target.Id);
            if (plan.AppliedRuleIds.Count > 0) activity.SetTag(SpanAttributes.AppliedLoadBalanceRuleIds, plan.AppliedRuleIds.ToArray());
        }
        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
        Activity.Current = saved;
    }

    /// <summary>Starts the span of a fallback: the plan moved past its first target to <paramref name="step"/>.</summary>
    public static Activity? StartFallback(Exchange exchange, RoutePlan plan, RouteStep step)
    {
        var saved = Activity.Current;
        var activity = GatewayActivitySource.Instance.StartActivity(SpanNames.FallbackRequest, ActivityKind.Internal);
        if (activity is null) return null;
        Activity.Current = saved;
        if (activity.IsAllDataRequested)
        {
            (exchange.ListenerState as ExchangeTrace)?.TagRequest(activity, exchange);
            activity.SetTag(SpanAttributes.FallbackHttpUrl, SpanUrl.Of(step.Target.UrlFor(exchange.Operation)));
            activity.SetTag(SpanAttributes.FallbackHttpMethod, "POST");
            activity.SetTag(SpanAttributes.FallbackRequestedModel, plan.RequestedModel);
            activity.SetTag(SpanAttributes.FallbackResolvedModel, step.Target.Id);
            activity.SetTag(SpanAttributes.FallbackConfigId, plan.ConfigId);
            if ((step.Overrides?.MaxTokens ?? exchange.Head.MaxTokens) is long maxTokens) activity.SetTag(SpanAttributes.FallbackMaxTokens, maxTokens);
            if ((step.Overrides?.Temperature ?? exchange.Head.Temperature) is double temperature) activity.SetTag(SpanAttributes.FallbackTemperature, temperature);
        }
        return activity;
    }

    /// <summary>Ends a fallback span with the outcome of the target's last attempt.</summary>
    public static void EndFallback(Activity? activity, Attempt? last)
    {
        if (activity is null) return;
        if (activity.IsAllDataRequested && last is not null)
        {
            if (last.UpstreamStatus != 0) activity.SetTag(SpanAttributes.HttpResponseStatusCode, last.UpstreamStatus);
            if (last.Outcome is not (AttemptOutcome.Delivered or AttemptOutcome.ClientGone or AttemptOutcome.None))
            {
                activity.SetStatus(ActivityStatusCode.Error, last.ErrorMessage ?? last.Outcome.ToString());
            }
        }
        var saved = Activity.Current;
        activity.Stop();
        Activity.Current = saved;
    }
}
