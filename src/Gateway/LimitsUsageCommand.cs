using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Limits;

namespace Gateway;

/// <summary>
/// <c>gateway limits usage</c>: <c>GET /api/limits/usage</c> of a running gateway, printed as a table or the JSON
/// the API answered. Flags and exit codes as <c>gateway spans query</c>'s (2 a bad flag, 1 a failed request).
/// </summary>
internal sealed class LimitsUsageCommand : Command
{
    private const string DefaultUrl = "http://127.0.0.1:8080";

    private readonly Func<string, string?> _environment;
    private readonly Option<string> _url = new("--url") { HelpName = "URL", Description = $"the gateway (or GATEWAY_URL; default {DefaultUrl})" };
    private readonly Option<string> _apiKey = new("--api-key") { HelpName = "KEY", Description = "sent as a bearer token (or GATEWAY_API_KEY); admins see every bucket, others their own" };
    private readonly Option<string> _rule = new("--rule") { HelpName = "ID", Description = "one rule's buckets only" };
    private readonly Option<string> _type = new("--type") { HelpName = "rate_limit|budget", Description = "rate limits or budgets only" };
    private readonly Option<string> _output = new("--output", "-o") { HelpName = "table|json", Description = "(default table)" };

    public LimitsUsageCommand(Func<string, string?> environment)
        : base("usage", "show the rate limit buckets and budget counters of a running gateway: used, limit, remaining, reset")
    {
        _environment = environment;
        _type.AcceptOnlyFromAmong(LimitsUsage.RateLimitType, LimitsUsage.BudgetType);
        _output.AcceptOnlyFromAmong("table", "json");
        Options.Add(_url);
        Options.Add(_apiKey);
        Options.Add(_rule);
        Options.Add(_type);
        Options.Add(_output);
        SetAction((r, ct) => RunAsync(
            r.GetValue(_url) ?? (_environment("GATEWAY_URL") is { Length: > 0 } url ? url : DefaultUrl),
            r.GetValue(_apiKey) ?? _environment("GATEWAY_API_KEY"),
            r.GetValue(_rule), r.GetValue(_type), r.GetValue(_output) == "json",
            r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, ct));
    }

    private static async Task<int> RunAsync(string url, string? apiKey, string? rule, string? type, bool json, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(apiKey)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var query = new List<string>();
        if (rule is not null) query.Add("rule_id=" + Uri.EscapeDataString(rule));
        if (type is not null) query.Add("type=" + type);
        var path = LimitsUsageHandler.Path.TrimStart('/') + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        byte[] body;
        try
        {
            using var response = await http.GetAsync(path, ct).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await stderr.WriteLineAsync($"gateway limits usage: {(int)response.StatusCode} {SpansCli.ErrorMessage(body)}").ConfigureAwait(false);
                return 1;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await stderr.WriteLineAsync($"gateway limits usage: cannot reach {url}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        if (json)
        {
            await stdout.WriteLineAsync(Encoding.UTF8.GetString(body)).ConfigureAwait(false);
            return 0;
        }
        using var doc = JsonDocument.Parse(body);
        await WriteTableAsync(stdout, doc.RootElement.GetProperty("data")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>One line per bucket: rule, type, unit, key (part=value, "-" for a rule's one bucket), used, limit, remaining, reset time.</summary>
    internal static async Task WriteTableAsync(TextWriter stdout, JsonElement data)
    {
        var rows = new List<string[]> { new[] { "RULE", "TYPE", "UNIT", "KEY", "USED", "LIMIT", "REMAINING", "RESETS AT (UTC)" } };
        foreach (var rule in data.EnumerateArray())
        {
            foreach (var bucket in rule.GetProperty("buckets").EnumerateArray())
            {
                var key = string.Join(",", bucket.GetProperty("key").EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()));
                rows.Add(
                [
                    rule.GetProperty("rule_id").GetString()!,
                    rule.GetProperty("type").GetString()!,
                    rule.GetProperty("unit").GetString()!,
                    key.Length > 0 ? key : "-",
                    Number(bucket.GetProperty("used")),
                    Number(bucket.GetProperty("limit")),
                    Number(bucket.GetProperty("remaining")),
                    bucket.GetProperty("reset_at").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                ]);
            }
        }
        if (rows.Count == 1)
        {
            await stdout.WriteLineAsync("no buckets in use").ConfigureAwait(false);
            return;
        }
        var widths = new int[rows[0].Length];
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        }
        foreach (var r in rows)
        {
            await stdout.WriteLineAsync(string.Join("  ", r.Select((c, i) => i == r.Length - 1 ? c : c.PadRight(widths[i])))).ConfigureAwait(false);
        }
    }

    /// <summary>Whole numbers as integers, USD to the nano-dollar without trailing zeros.</summary>
    private static string Number(JsonElement e) =>
        e.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : e.GetDouble().ToString("0.#########", CultureInfo.InvariantCulture);
}
