using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Config;

/// <summary>
/// The config file's records (<see cref="ConfigFile"/>), bound by source generation only: snake_case
/// names, and a field no record has is an error (<see cref="YamlBinder"/> reports it first, with its line).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ConfigFile))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the loader uses: relaxed escaping, so <c>override_params</c> values reach the upstream
    /// as written (non-ASCII text and quotes not \u-escaped).
    /// </summary>
    public static ConfigJsonContext File { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });
}
