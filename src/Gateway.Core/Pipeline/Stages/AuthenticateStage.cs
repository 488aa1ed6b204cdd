using Gateway.OpenAI;

namespace Gateway.Pipeline.Stages;

/// <summary>API key to <see cref="Auth.Subject"/>; with no keys configured every caller is anonymous.</summary>
internal sealed class AuthenticateStage : IRequestStage
{
    public static readonly AuthenticateStage Instance = new();

    public string Name => "authenticate";

    public ValueTask<GatewayError?> RunAsync(RequestContext context, CancellationToken ct)
    {
        if (context.Snapshot.Keys.TryAuthenticate(context.Http.Request.Headers.Authorization, out var subject, out var error))
        {
            context.Exchange.Subject = subject;
            return ValueTask.FromResult<GatewayError?>(null);
        }
        context.Http.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult(error);
    }
}
