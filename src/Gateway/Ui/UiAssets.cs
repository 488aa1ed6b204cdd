using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace Gateway.Ui;

/// <summary>
/// The trace explorer's files, embedded in the executable (Gateway.csproj: <c>EmbeddedResource</c>
/// named <c>ui/&lt;file&gt;</c>) and read once, on the first request for them, so start-up pays nothing.
/// Manifest resources need no reflection over types and work under Native AOT.
/// </summary>
internal static class UiAssets
{
    private const string Prefix = "ui/";

    private static readonly Lazy<IReadOnlyDictionary<string, UiAsset>> s_all = new(Load);

    /// <summary>The file by its name under <c>/ui/assets/</c> (<c>index.html</c> included); null if there is none.</summary>
    public static UiAsset? Find(string name) => s_all.Value.GetValueOrDefault(name);

    public static IEnumerable<string> Names => s_all.Value.Keys;

    private static Dictionary<string, UiAsset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            var content = new byte[stream.Length];
            stream.ReadExactly(content);
            var name = resource[Prefix.Length..];
            assets[name] = new UiAsset(ContentType(name), content, Compress(content), "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..20] + "\"");
        }
        return assets;
    }

    private static byte[]? Compress(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }
        // Not worth a Content-Encoding when it saves little (tiny files).
        return output.Length < content.Length * 9 / 10 ? output.ToArray() : null;
    }

    private static string ContentType(string name) => System.IO.Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}
