using System.Text.Json;
using Gateway.Config;
using Microsoft.Extensions.Logging;

namespace Gateway.Limits;

/// <summary>
/// Fires budget alerts: each threshold once per period per counter (<see cref="BudgetPeriod.TryFire"/>), to the
/// log and to every webhook target. Webhooks are posted off the request path with a timeout; a failure is logged,
/// not retried (the next threshold still fires).
/// </summary>
internal sealed class BudgetAlerts(ILogger logger, HttpMessageInvoker http) : IDisposable
{
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(5);

    public void Check(BudgetRule rule, string key, BudgetPeriod period, long spentNano)
    {
        var thresholds = rule.AlertThresholds;
        for (var i = 0; i < thresholds.Count; i++)
        {
            if (spentNano < rule.LimitNano * (thresholds[i] / 100.0)) break;
            if (period.TryFire(i)) Fire(rule, key, period.Start, period.End, thresholds[i], spentNano);
        }
    }

    public void Fire(BudgetRule rule, string key, DateTimeOffset start, DateTimeOffset end, int threshold, long spentNano)
    {
        var spent = spentNano / 1e9;
        LimitsLog.BudgetAlert(logger, rule.Id, key, threshold, rule.LimitUsd, rule.UnitName, spent, start);
        var alert = new BudgetAlert("budget_alert", rule.Id, key, threshold, spent, rule.LimitUsd, rule.UnitName, rule.AuditMode, start, end);
        foreach (var target in rule.AlertTargets)
        {
            if (target.Type == "webhook") _ = PostAsync(target, alert);
        }
    }

    private async Task PostAsync(AlertTargetConfig target, BudgetAlert alert)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
            {
                Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(alert, LimitsJsonContext.Default.BudgetAlert)),
            };
            request.Content.Headers.ContentType = new("application/json");
            foreach (var (name, value) in target.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var timeout = new CancellationTokenSource(WebhookTimeout);
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) LimitsLog.WebhookFailed(logger, target.Url!, "status " + (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            LimitsLog.WebhookFailed(logger, target.Url!, e.Message);
        }
    }

    public void Dispose() => http.Dispose();
}
