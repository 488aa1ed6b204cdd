using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.FunctionalTests.Explorer;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a
/// comment, blank, or a sample <c>name{label="value",...} number [timestamp]</c>; anything else throws.
/// </summary>
public sealed partial class PrometheusText
{
    private PrometheusText(List<PrometheusSample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }
    /// <summary>Metric family name to its <c># TYPE</c>.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#')) continue;
            var m = SampleLine().Match(line);
            if (!m.Success) throw new FormatException("not a sample line: " + line);
            var labels = m.Groups["labels"].Success ? Labels(m.Groups["labels"].Value, line) : new Dictionary<string, string>();
            samples.Add(new PrometheusSample(m.Groups["name"].Value, labels, Number(m.Groups["value"].Value)));
        }
        return new PrometheusText(samples, types);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => Samples.Any(s => s.Name == name);

    private static double Number(string s) => s switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static Dictionary<string, string> Labels(string text, string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"') throw new FormatException("bad labels: " + line);
            var key = text[i..eq];
            if (!LabelName().IsMatch(key)) throw new FormatException($"bad label name '{key}': {line}");
            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] switch { 'n' => '\n', var c => c });
                }
                else
                {
                    value.Append(text[j]);
                }
            }
            if (j >= text.Length) throw new FormatException("unterminated label value: " + line);
            labels.Add(key, value.ToString());
            i = j + 1;
            if (i < text.Length)
            {
                if (text[i] != ',') throw new FormatException("expected ',' between labels: " + line);
                i++;
            }
        }
        return labels;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
