using System.Security.Cryptography;
using System.Text;
using Gateway.Config;

namespace Gateway.Metrics;

/// <summary>
/// The <c>hash</c> label of <c>gateway_config_info</c>: the first 12 hex digits of the SHA-256 of the
/// config file (of the source name for the embedded default), read once per live snapshot: it tells
/// which file a replica runs, the <c>version</c> label how many reloads it has been through.
/// </summary>
internal static class ConfigVersion
{
    public static string Of(GatewayConfig config)
    {
        byte[] content;
        try
        {
            content = File.Exists(config.Source) ? File.ReadAllBytes(config.Source) : Encoding.UTF8.GetBytes(config.Source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            content = Encoding.UTF8.GetBytes(config.Source);
        }
        return Convert.ToHexStringLower(SHA256.HashData(content))[..12];
    }
}
