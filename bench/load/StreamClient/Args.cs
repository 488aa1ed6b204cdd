using System.Globalization;

namespace StreamClient;

/// <summary>--name value pairs; repeated names keep every value; everything after a lone "--" is <see cref="Rest"/>.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? name = null;
        var list = args.ToList();
        var separator = list.IndexOf("--");
        if (separator >= 0)
        {
            Rest = list[(separator + 1)..];
            list = list[..separator];
        }
        foreach (var a in list)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                name = a[2..];
                if (!_values.ContainsKey(name)) _values[name] = [];
            }
            else if (name is not null)
            {
                _values[name].Add(a);
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{a}'");
            }
        }
    }

    public IReadOnlyList<string> Rest { get; } = [];

    public string Get(string name) => Find(name) ?? throw new ArgumentException($"--{name} is required");
    public string? Find(string name) => _values.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];
    public int Int(string name, int fallback) => Find(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Find(name) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;
}
