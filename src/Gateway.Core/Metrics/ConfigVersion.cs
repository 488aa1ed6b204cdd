using System.Security.Cryptography;
using System.Text;
using Gateway.Config;

namespace Gateway.Metrics;

/// <summary>
/// The <c>version</c> label of <c>gateway_config_info</c>: the first 12 hex digits of the SHA-256 of the
/// config file as read at startup (of the source name for the embedded default). Live reload will
/// update it; until then it tells which file a replica runs.
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
