using Gateway.OpenAI;
using Gateway.Spans;
using Microsoft.AspNetCore.Http;

namespace Gateway.Limits;

/// <summary>
/// <c>GET /api/limits/usage[?rule_id=ID][&amp;type=rate_limit|budget]</c>: the method (405), the caller as for the
/// span query API (401; anonymous mode from this machine only), the query (400 for an unknown parameter or type,
/// 404 for an unknown rule), then <see cref="LimitsUsage"/> (503 when Redis does not answer).
/// </summary>
internal sealed class LimitsUsageHandler(GatewayRuntime runtime, Func<HttpContext, SpanCaller> authenticate)
{
    public const string Path = "/api/limits/usage";

    public async Task HandleAsync(HttpContext context)
    {
        if (await SpanApiGate.AdmitAsync(context, HttpMethods.Get, Path, authenticate).ConfigureAwait(false) is not { } subject) return;
        string? ruleId = null, type = null;
        foreach (var (name, values) in context.Request.Query)
        {
            switch (name)
            {
                case "rule_id":
                    ruleId = values.ToString();
                    break;
                case "type":
                    type = values.ToString();
                    if (type is not (LimitsUsage.RateLimitType or LimitsUsage.BudgetType))
                    {
                        await ErrorWriter.WriteAsync(context, LimitsUsage.BadType(type)).ConfigureAwait(false);
                        return;
                    }
                    break;
                default:
                    await ErrorWriter.WriteAsync(context, LimitsUsage.UnknownParameter(name)).ConfigureAwait(false);
                    return;
            }
        }
        var snapshot = runtime.Current;
        if (ruleId is not null && !LimitsUsage.HasRule(snapshot, ruleId))
        {
            await ErrorWriter.WriteAsync(context, LimitsUsage.UnknownRule(ruleId)).ConfigureAwait(false);
            return;
        }
        var body = await LimitsUsage.ReadAsync(snapshot, subject, ruleId, type).ConfigureAwait(false);
        if (body is null)
        {
            await ErrorWriter.WriteAsync(context, LimitErrors.StoreUnavailable()).ConfigureAwait(false);
            return;
        }
        await SpanApiGate.WriteJsonAsync(context, 200, body).ConfigureAwait(false);
    }
}
