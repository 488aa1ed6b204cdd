using Microsoft.Extensions.Logging;

namespace Gateway.Limits;

/// <summary>Limits log events, 800-899.</summary>
internal static partial class LimitsLog
{
    [LoggerMessage(800, LogLevel.Warning, "Budget alert: rule {RuleId} ({Key}) reached {Threshold}% of {LimitUsd} USD {Unit}: {SpentUsd} USD spent since {PeriodStart:O}")]
    public static partial void BudgetAlert(ILogger logger, string ruleId, string key, int threshold, double limitUsd, string unit, double spentUsd, DateTimeOffset periodStart);

    [LoggerMessage(801, LogLevel.Warning, "Budget alert webhook {Url} failed: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string url, string reason);

    [LoggerMessage(802, LogLevel.Warning, "Limits store (Redis) unavailable, failing {Mode}: {Reason}")]
    public static partial void StoreUnavailable(ILogger logger, string mode, string reason);
}
