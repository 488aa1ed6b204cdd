using System.Net;
using Gateway.Auth;
using Microsoft.AspNetCore.Http;

namespace Gateway.Spans;

/// <summary>
/// The span query API's caller when the gateway has no API keys (anonymous mode). That caller is the
/// store's admin and reads every stored prompt, so by default only callers on this machine get it:
/// <c>gateway spans query</c> and a local curl work out of the box, while <c>--urls http://0.0.0.0:8080</c>
/// does not publish the prompts to the network. <c>span_store.allow_anonymous_remote: true</c> serves
/// every address.
/// </summary>
internal static class AnonymousQueryAccess
{
    /// <param name="allowRemote">span_store.allow_anonymous_remote.</param>
    public static SpanCaller Caller(HttpContext context, bool allowRemote) =>
        allowRemote || IsLocal(context) ? SpanFeature.AnonymousAdmin : SpanCaller.Refused(SpanQueryErrors.AnonymousRemote());

    /// <summary>
    /// From this machine: a loopback address (127.0.0.0/8, ::1, or either mapped into IPv6), or no IP at
    /// all (a Unix socket or named pipe, local by construction). A request that names a forwarding
    /// client (<c>Forwarded</c>, <c>X-Forwarded-For</c>) came through a proxy on this machine and may be
    /// from anywhere, so it is not local.
    /// </summary>
    public static bool IsLocal(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey("Forwarded") || headers.ContainsKey("X-Forwarded-For")) return false;
        return context.Connection.RemoteIpAddress is not { } remote || IsLoopback(remote);
    }

    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>
    /// The caller of the query API: with no keys configured, <see cref="Caller"/>; otherwise the key's
    /// subject, or nobody (401).
    /// </summary>
    public static SpanCaller Resolve(ApiKeyStore keys, HttpContext context, bool allowRemote)
    {
        if (keys.IsEmpty) return Caller(context, allowRemote);
        return keys.TryAuthenticate(context.Request.Headers.Authorization, out var subject, out _) ? subject : null;
    }
}
