using Gateway.OpenAI;
using Gateway.Providers;

namespace Gateway.Pipeline.Stages;

/// <summary>API key to <see cref="Auth.Subject"/>; with no keys configured every caller is anonymous.</summary>
internal sealed class AuthenticateStage : IRequestStage
{
    public static readonly AuthenticateStage Instance = new();

    public string Name => "authenticate";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        var headers = context.Http.Request.Headers;
        string? authorization = headers.Authorization;
        // Anthropic's clients send their key in x-api-key (Claude Code with ANTHROPIC_API_KEY, the SDKs' api_key).
        if (string.IsNullOrEmpty(authorization) && context.Operation.IsAnthropic() && headers["x-api-key"].ToString() is { Length: > 0 } key) authorization = "Bearer " + key;
        if (context.Snapshot.Keys.TryAuthenticate(authorization, out var subject, out var error))
        {
            context.Exchange.Subject = subject;
            return ValueTask.FromResult<GatewayError?>(null);
        }
        context.Http.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult(error);
    }
}
