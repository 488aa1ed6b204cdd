using Gateway.Auth;
using Gateway.OpenAI;
using Microsoft.AspNetCore.Http;

namespace Gateway.Spans;

/// <summary>
/// The checks the trace explorer's span endpoints make first, in the query API's order: the method
/// (405), the caller (401, or 403 for an anonymous caller from another machine), then the store (404 when it is off). Writes the error and returns null
/// when one fails; otherwise returns the caller.
/// </summary>
internal static class SpanApiGate
{
    public static async Task<Subject?> AdmitAsync(HttpContext context, string method, string path, Func<HttpContext, SpanCaller> authenticate, bool storeOpen = true)
    {
        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = method;
            await ErrorWriter.WriteAsync(context, GatewayError.MethodNotAllowed(context.Request.Method, path)).ConfigureAwait(false);
            return null;
        }
        // The query API's caller rules, anonymous mode on this machine only included (AnonymousQueryAccess).
        var (subject, refusal) = authenticate(context);
        if (subject is null)
        {
            await ErrorWriter.WriteAsync(context, refusal ?? SpanQueryErrors.Unauthenticated()).ConfigureAwait(false);
            return null;
        }
        if (!storeOpen)
        {
            await ErrorWriter.WriteAsync(context, SpanQueryErrors.StoreDisabled()).ConfigureAwait(false);
            return null;
        }
        return subject;
    }

    /// <summary>Writes a JSON body the endpoint built.</summary>
    public static Task WriteJsonAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
