using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// <c>type: moderation</c>: POSTs the parts to the configured provider's <c>/moderations</c> (OpenAI's API) with
/// its key. Blocks when a result is flagged (threshold 0) or, with a threshold, when a category's score reaches
/// it; with <c>categories</c>, only those count. The reason names the categories, not the text.
/// </summary>
internal sealed class ModerationGuardrail(GuardrailConfig config, ProviderConfig provider, HttpMessageInvoker http) : IGuardrail
{
    private readonly string _url = provider.BaseUrl!.TrimEnd('/') + "/moderations";
    private readonly Dictionary<string, string> _headers = Headers(provider);

    public GuardrailConfig Config { get; } = config;

    private static Dictionary<string, string> Headers(ProviderConfig provider)
    {
        var headers = new Dictionary<string, string>(provider.Headers, StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(provider.ApiKey)) headers["Authorization"] = "Bearer " + provider.ApiKey;
        return headers;
    }

    public async ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        var (answer, error) = await GuardrailHttp.PostAsync(http, _url, _headers, new ModerationRequest(Config.Model, check.Parts), GuardrailsJsonContext.Default.ModerationRequest,
            GuardrailsJsonContext.Default.ModerationAnswer, Config.TimeoutMs, span, ct).ConfigureAwait(false);
        if (answer?.Results is not { } results) return GuardrailVerdict.Error("moderation " + (error ?? "answered without results"));
        var hits = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (Config.Threshold > 0)
            {
                foreach (var (category, score) in result.CategoryScores ?? new Dictionary<string, double>())
                {
                    if (score >= Config.Threshold && Counts(category)) hits.Add(category);
                }
            }
            else if (result.Flagged)
            {
                var flagged = (result.Categories ?? new Dictionary<string, bool>()).Where(c => c.Value && Counts(c.Key)).Select(c => c.Key).ToList();
                if (flagged.Count > 0 || Config.Categories is null) hits.UnionWith(flagged.Count > 0 ? flagged : ["flagged"]);
            }
        }
        return hits.Count == 0 ? GuardrailVerdict.Pass : GuardrailVerdict.Violation("moderation flagged " + string.Join(", ", hits));
    }

    private bool Counts(string category) => Config.Categories is not { } only || only.Contains(category);
}
