using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// <c>type: webhook</c>: POSTs <see cref="WebhookRequest"/> to <c>url</c> and reads <see cref="WebhookAnswer"/>.
/// A timeout, a non-2xx status or an answer that is not one of pass, block or mutate (with as many parts as it
/// was sent) is an error, which the enforcing strategy turns into a block or a pass.
/// </summary>
internal sealed class WebhookGuardrail(GuardrailConfig config, HttpMessageInvoker http) : IGuardrail
{
    public GuardrailConfig Config { get; } = config;

    public async ValueTask<GuardrailVerdict> CheckAsync(GuardrailCheck check, Activity? span, CancellationToken ct)
    {
        var e = check.Entity;
        var body = new WebhookRequest(GuardrailCheck.HookName(check.Hook), Config.Name!, check.Parts, check.Subject.ToString(), check.Metadata, new WebhookEntity(e.Type, e.Id, e.Name, e.Scope));
        var (answer, error) = await GuardrailHttp.PostAsync(http, Config.Url!, Config.Headers, body, GuardrailsJsonContext.Default.WebhookRequest, GuardrailsJsonContext.Default.WebhookAnswer,
            Config.TimeoutMs, span, ct).ConfigureAwait(false);
        if (answer is null) return GuardrailVerdict.Error("webhook " + error);
        return answer.Result switch
        {
            "pass" => GuardrailVerdict.Pass,
            "block" => GuardrailVerdict.Violation(string.IsNullOrWhiteSpace(answer.Reason) ? "blocked by the webhook" : answer.Reason),
            "mutate" when answer.Content is { } content && content.Count == check.Parts.Count => GuardrailVerdict.Mutated(content, answer.Reason ?? "rewritten by the webhook"),
            "mutate" => GuardrailVerdict.Error($"webhook answered mutate without content of {check.Parts.Count} part(s)"),
            _ => GuardrailVerdict.Error($"webhook answered result '{answer.Result}' (expected pass, block or mutate)"),
        };
    }
}
