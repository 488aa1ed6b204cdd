using System.Buffers;
using System.Text.Json;
using Gateway.Auth;
using Gateway.OpenAI;

namespace Gateway.Limits;

/// <summary>
/// The body of <c>GET /api/limits/usage</c> (issue #12 item 8): every rule of the live config with its buckets
/// (rate limits) or counters of the current period (budgets), each with used, limit, remaining and reset time,
/// from this replica's memory or, with <c>limits_store: redis</c>, from Redis (what every replica shares). An
/// admin sees every bucket; another caller only those keyed by its own subject (<see cref="LimitKey.BelongsTo"/>).
/// </summary>
internal static class LimitsUsage
{
    public const string RateLimitType = "rate_limit";
    public const string BudgetType = "budget";

    /// <param name="ruleId">Only this rule (null: all).</param>
    /// <param name="type">Only <see cref="RateLimitType"/> or <see cref="BudgetType"/> rules (null: both).</param>
    /// <returns>The JSON body, or null when Redis did not answer (the caller answers 503).</returns>
    public static async Task<byte[]?> ReadAsync(GatewayRuntime.Snapshot snapshot, Subject subject, string? ruleId, string? type)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("store"u8, snapshot.RateLimits.Registry.Shared is null ? "memory" : "redis");
            w.WriteStartArray("data"u8);
            try
            {
                if (type is null or RateLimitType)
                {
                    foreach (var rule in snapshot.RateLimits.Rules)
                    {
                        if (ruleId is null || rule.Id == ruleId) await WriteRateLimitAsync(w, rule, snapshot.RateLimits.Registry, subject).ConfigureAwait(false);
                    }
                }
                if (type is null or BudgetType)
                {
                    foreach (var rule in snapshot.Budgets.Rules)
                    {
                        if (ruleId is null || rule.Id == ruleId) await WriteBudgetAsync(w, rule, snapshot.Budgets.Registry, subject).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                return null;
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Whether the live config has a rule with this id.</summary>
    public static bool HasRule(GatewayRuntime.Snapshot snapshot, string ruleId) =>
        snapshot.RateLimits.Rules.Any(r => r.Id == ruleId) || snapshot.Budgets.Rules.Any(r => r.Id == ruleId);

    private static async Task WriteRateLimitAsync(Utf8JsonWriter w, RateLimitRule rule, RateLimitRegistry registry, Subject subject)
    {
        var rows = new List<(string Key, long Remaining, long ResetMs)>();
        if (rule.Buckets.Shared is { } shared)
        {
            // In Redis, tokens the replicas hold in leases count as used (at most lease_percent of the limit each).
            var shape = shared.Shape;
            foreach (var (key, ahead) in await Redis.RedisUsage.BucketsAsync(shared.Store, rule.Id, shape).ConfigureAwait(false))
            {
                rows.Add((key, Math.Max(0, shape.Window - ahead) / shape.UnitsPerToken, (ahead + shape.UnitsPerMs - 1) / shape.UnitsPerMs));
            }
        }
        else
        {
            var now = registry.NowMs;
            foreach (var (key, bucket) in rule.Buckets.Buckets)
            {
                var peek = bucket.Peek(now);
                if (!peek.IsGone) rows.Add((key, peek.Remaining, peek.ResetMs));
            }
        }
        WriteRule(w, rule.Id, RateLimitType, rule.UnitName, rule.Key);
        w.WriteNumber("limit"u8, rule.Limit);
        w.WriteStartArray("buckets"u8);
        foreach (var (key, remaining, resetMs) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!subject.IsAdmin && !rule.Key.BelongsTo(key, subject)) continue;
            WriteKey(w, rule.Key, key);
            w.WriteNumber("used"u8, rule.Limit - remaining);
            w.WriteNumber("limit"u8, rule.Limit);
            w.WriteNumber("remaining"u8, remaining);
            w.WriteString("reset_at"u8, registry.UtcIn(resetMs));
            w.WriteNumber("reset_in_ms"u8, resetMs);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static async Task WriteBudgetAsync(Utf8JsonWriter w, BudgetRule rule, BudgetRegistry registry, Subject subject)
    {
        var now = registry.Time.GetUtcNow();
        var (start, end) = BudgetCounters.Bounds(rule.Counters.Unit, now);
        var rows = new List<(string Key, long Spent, long Reserved)>();
        if (registry.Shared is { } store)
        {
            rows.AddRange(await Redis.RedisUsage.BudgetsAsync(store, rule.Id, start).ConfigureAwait(false));
        }
        else
        {
            foreach (var (key, period) in rule.Counters.Periods)
            {
                if (period.Start == start) rows.Add((key, period.SpentNano, period.ReservedNano));
            }
        }
        WriteRule(w, rule.Id, BudgetType, rule.UnitName, rule.Key);
        w.WriteNumber("limit"u8, rule.LimitUsd);
        w.WriteBoolean("audit_mode"u8, rule.AuditMode);
        w.WriteStartArray("buckets"u8);
        foreach (var (key, spent, reserved) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!subject.IsAdmin && !rule.Key.BelongsTo(key, subject)) continue;
            WriteKey(w, rule.Key, key);
            w.WriteNumber("used"u8, spent / 1e9);
            // Reservations of requests in flight (with Redis, also what replicas hold in leases): not spent, not available.
            w.WriteNumber("reserved"u8, reserved / 1e9);
            w.WriteNumber("limit"u8, rule.LimitUsd);
            w.WriteNumber("remaining"u8, Math.Max(0, rule.LimitNano - spent - reserved) / 1e9);
            w.WriteString("period_start"u8, start);
            w.WriteString("reset_at"u8, end);
            w.WriteNumber("reset_in_ms"u8, (long)(end - now).TotalMilliseconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRule(Utf8JsonWriter w, string id, string type, string unit, LimitKey key)
    {
        w.WriteStartObject();
        w.WriteString("rule_id"u8, id);
        w.WriteString("type"u8, type);
        w.WriteString("unit"u8, unit);
        w.WriteStartArray("applies_per"u8);
        foreach (var part in key.Parts) w.WriteStringValue(part);
        w.WriteEndArray();
    }

    /// <summary>Opens a bucket object with its key: one member per <c>applies_per</c> part (none for a rule's one shared bucket).</summary>
    private static void WriteKey(Utf8JsonWriter w, LimitKey rule, string key)
    {
        w.WriteStartObject();
        w.WriteStartObject("key"u8);
        var values = rule.Values(key);
        for (var i = 0; i < rule.Parts.Count && i < values.Length; i++) w.WriteString(rule.Parts[i], values[i]);
        w.WriteEndObject();
    }

    public static GatewayError UnknownParameter(string name) =>
        new(400, "invalid_request_error", "unknown_parameter", $"Unknown query parameter '{name}': expected rule_id or type.", name);

    public static GatewayError BadType(string value) =>
        new(400, "invalid_request_error", "invalid_value", $"type '{value}' is not one of {RateLimitType}, {BudgetType}.", "type");

    public static GatewayError UnknownRule(string id) =>
        new(404, "invalid_request_error", "rule_not_found", $"No rate limit or budget rule has the id '{id}'.", "rule_id");
}
