using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// The errors of one config file, each <c>file:line:column: field: message</c>, and where every field sits
/// in the file (recorded by <see cref="YamlBinder"/>), so checks on the bound records still name a line.
/// A field gets at most one error: a value that failed to bind is not reported again as missing.
/// </summary>
internal sealed class ConfigErrors(string file)
{
    private readonly Dictionary<string, (Mark Key, YamlNode Value)> _fields = new(StringComparer.Ordinal);
    private readonly List<(Mark? At, string Path, string Message)> _errors = [];

    public int Count => _errors.Count;

    public void Locate(string path, Mark key, YamlNode value) => _fields[path] = (key, value);

    /// <summary>Whether the file gives <paramref name="path"/>, even with a value that failed to bind.</summary>
    public bool Given(string path) => _fields.ContainsKey(path);

    /// <summary>The scalar's text as written, before environment interpolation.</summary>
    public string? Raw(string path) => _fields.TryGetValue(path, out var f) ? (f.Value as YamlScalarNode)?.Value : null;

    /// <summary>The line <paramref name="path"/> starts on, for logs that point back at the file.</summary>
    public long LineOf(string path) => _fields.TryGetValue(path, out var f) ? f.Value.Start.Line : 0;

    /// <summary>Reports at the value of <paramref name="path"/>, or where its mapping starts when the file leaves it out.</summary>
    public void Add(string path, string message) => Report(path, message, atKey: false);

    /// <summary>Reports at the key of <paramref name="path"/>: the name is wrong, not the value.</summary>
    public void AddAtKey(string path, string message) => Report(path, message, atKey: true);

    public void Range(string path, long value, long min, long max)
    {
        if (value < min || value > max) Add(path, $"must be between {min} and {max}, got {value}");
    }

    public void Range(string path, double value, double min, double max)
    {
        if (value < min || value > max) Add(path, $"must be between {min} and {max}, got {value}");
    }

    /// <summary>The items <paramref name="check"/> passes; it returns the error of each other one.</summary>
    public List<string> Valid(string path, IReadOnlyList<string>? items, Func<string, string?> check)
    {
        var valid = new List<string>();
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            if (check(items![i]) is { } error) Add($"{path}[{i}]", error);
            else valid.Add(items[i]);
        }
        return valid;
    }

    /// <summary>No error at <paramref name="path"/> or inside it: the entry can be used.</summary>
    public bool Clean(string path) => !_errors.Exists(e => e.Path.StartsWith(path, StringComparison.Ordinal)
        && (e.Path.Length == path.Length || e.Path[path.Length] is '.' or '['));

    /// <summary>In file order, whichever check found them.</summary>
    public IReadOnlyList<string> Messages() =>
        _errors.OrderBy(e => e.At?.Line ?? 0).ThenBy(e => e.At?.Column ?? 0)
            .Select(e => e.At is { } at ? $"{file}:{at.Line}:{at.Column}: {e.Path}: {e.Message}" : $"{file}: {e.Path}: {e.Message}")
            .ToList();

    private void Report(string path, string message, bool atKey)
    {
        if (_errors.Exists(e => e.Path == path)) return;
        Mark? at = null;
        if (_fields.TryGetValue(path, out var field))
        {
            at = atKey ? field.Key : field.Value.Start;
        }
        else
        {
            // Missing: the mapping that should hold it, e.g. providers[0] for providers[0].name.
            for (var p = Parent(path); p is not null; p = Parent(p))
            {
                if (_fields.TryGetValue(p, out var owner))
                {
                    at = owner.Value.Start;
                    break;
                }
            }
        }
        _errors.Add((at, path, message));
    }

    private static string? Parent(string path) => path.Length == 0 ? null : path[..Math.Max(0, path.LastIndexOfAny(['.', '[']))];
}
