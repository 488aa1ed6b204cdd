using System.Globalization;
using Gateway.OpenAI;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy;

/// <summary>
/// <c>x-tfy-request-timeout</c> and <c>x-tfy-ttft-timeout-ms</c>: a caller's timeout for its own request, in
/// milliseconds. It may shorten the operator's limit; it lengthens it only where the operator allowed that
/// (<c>server.allow_timeout_increase_by_header</c>), else it is capped at the configured value, so a client
/// cannot hold an upstream connection longer than the operator sized the gateway for.
/// </summary>
internal static class TimeoutHeader
{
    public const string Request = "x-tfy-request-timeout";
    public const string Ttft = "x-tfy-ttft-timeout-ms";

    /// <param name="values">The header's values (none when absent).</param>
    /// <param name="configured">The configured timeout; 0 means none, which any positive header value lowers.</param>
    public static bool TryResolve(string header, StringValues values, int configured, bool allowIncrease, out int ms, out GatewayError? error)
    {
        error = null;
        ms = configured;
        if (values.Count == 0) return true;
        if (values.Count != 1 || !int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var requested) || requested <= 0)
        {
            error = GatewayError.InvalidField(header, $"The header '{header}' must be a positive number of milliseconds.");
            return false;
        }
        ms = allowIncrease || configured == 0 ? requested : Math.Min(requested, configured);
        return true;
    }
}
