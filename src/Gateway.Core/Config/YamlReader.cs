using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Typed reads over YamlDotNet's node tree (no reflection, so AOT-safe) that collect errors as
/// <c>file:line:column: field: message</c> instead of throwing at the first one.
/// </summary>
internal sealed class YamlReader(string file, Func<string, string?> getEnv)
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Error(YamlNode node, string path, string message) =>
        _errors.Add($"{file}:{node.Start.Line}:{node.Start.Column}: {path}: {message}");

    public void Error(string path, string message) => _errors.Add($"{file}: {path}: {message}");

    /// <summary>Visits every key of a mapping; keys not in <paramref name="known"/> are errors (typos fail loudly).</summary>
    public void Fields(YamlNode node, string path, ReadOnlySpan<string> known, Action<string, YamlNode, string> visit)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, path, "expected a mapping");
            return;
        }
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var child = path.Length == 0 ? key : path + "." + key;
            if (!known.Contains(key))
            {
                Error(keyNode, child, $"unknown field (expected one of: {string.Join(", ", known.ToArray())})");
                continue;
            }
            visit(key, value, child);
        }
    }

    public IEnumerable<(YamlNode Node, string Path)> Items(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode seq)
        {
            Error(node, path, "expected a list");
            yield break;
        }
        for (var i = 0; i < seq.Children.Count; i++)
        {
            yield return (seq.Children[i], $"{path}[{i}]");
        }
    }

    public string? String(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(node, path, "expected a string");
            return null;
        }
        if (scalar.Value is null) return null;
        if (!EnvInterpolation.TryExpand(scalar.Value, getEnv, out var expanded, out var error))
        {
            Error(node, path, error!);
            return null;
        }
        return expanded;
    }

    public long? Long(YamlNode node, string path, long min, long max)
    {
        var text = String(node, path);
        if (text is null) return null;
        if (!long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, path, $"expected an integer, got '{text}'");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, path, $"must be between {min} and {max}, got {value}");
            return null;
        }
        return value;
    }

    public int? Int(YamlNode node, string path, int min, int max) => (int?)Long(node, path, min, max);

    public double? Double(YamlNode node, string path, double min, double max)
    {
        var text = String(node, path);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Error(node, path, $"expected a number, got '{text}'");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, path, $"must be between {min} and {max}, got {value}");
            return null;
        }
        return value;
    }

    public bool? Bool(YamlNode node, string path)
    {
        var text = String(node, path);
        switch (text)
        {
            case null: return null;
            case "true" or "True" or "yes": return true;
            case "false" or "False" or "no": return false;
            default:
                Error(node, path, $"expected true or false, got '{text}'");
                return null;
        }
    }
}
