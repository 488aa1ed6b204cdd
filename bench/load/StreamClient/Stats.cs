using System.Diagnostics;
using System.Globalization;

namespace StreamClient;

/// <summary>Samples in microseconds; percentiles by nearest rank over the sorted samples.</summary>
internal sealed class Stats
{
    private readonly List<double> _samples = [];

    public int Count => _samples.Count;

    public void Add(double us) => _samples.Add(us);

    public void AddTicks(long ticks) => _samples.Add(ticks * 1_000_000.0 / Stopwatch.Frequency);

    public void AddAll(Stats other) => _samples.AddRange(other._samples);

    public double Percentile(double p)
    {
        if (_samples.Count == 0) return double.NaN;
        _samples.Sort();
        var rank = (int)Math.Ceiling(p / 100.0 * _samples.Count);
        return _samples[Math.Clamp(rank - 1, 0, _samples.Count - 1)];
    }

    public double Mean => _samples.Count == 0 ? double.NaN : _samples.Average();

    public static string F(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.0", CultureInfo.InvariantCulture);
}
