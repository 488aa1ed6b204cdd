using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Gateway.Benchmarks -- --filter '*'</c> (any BenchmarkDotNet
/// arguments). Results are also written as <c>*-report.csv</c> with sizes in plain bytes (no unit, zero
/// written as 0), which <c>bench/check-allocations.sh</c> compares with <c>allocation-budgets.txt</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var console = SummaryStyle.Default.WithSizeUnit(SizeUnit.B).WithTimeUnit(TimeUnit.Nanosecond);
        var csv = new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Nanosecond,
            printUnitsInContent: false, printZeroValuesInContent: true);
        // The default config minus its CSV exporter, which would write the same file in KB.
        var defaults = DefaultConfig.Instance;
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(defaults.GetColumnProviders().ToArray())
            .AddColumn(StatisticColumn.P95)
            .AddLogger(defaults.GetLoggers().ToArray())
            .AddAnalyser(defaults.GetAnalysers().ToArray())
            .AddValidator(defaults.GetValidators().ToArray())
            .AddExporter(MarkdownExporter.GitHub, new CsvExporter(CsvSeparator.Semicolon, csv))
            .WithSummaryStyle(console)
            .WithArtifactsPath(defaults.ArtifactsPath);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        // Non-zero when a benchmark failed to run, so scripts notice.
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
