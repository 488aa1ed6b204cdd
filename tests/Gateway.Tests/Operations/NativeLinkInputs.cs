using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Gateway.Tests.Operations;

/// <summary>
/// What the Native AOT link needs from the build machine, read from the project files, and the checks
/// that the Dockerfile's builder and scripts/test.sh provide it. Pure functions over file text, so
/// the tests can also show a known-bad file is caught.
/// </summary>
internal static partial class NativeLinkInputs
{
    // The Debian package that provides each native link input. Small and explicit on purpose: a new
    // <NativeLibrary> must be added here, with its package, before the test passes (issue #9, item 12).
    public static readonly IReadOnlyDictionary<string, string> DebianPackages = new Dictionary<string, string>
    {
        ["/usr/lib/x86_64-linux-gnu/libsqlite3.a"] = "libsqlite3-dev",
    };

    /// <summary>Every <c>&lt;NativeLibrary Include="..."&gt;</c> of the given project files.</summary>
    public static IReadOnlyList<string> NativeLibraries(params string[] projectXml) =>
        projectXml.SelectMany(xml => XDocument.Parse(xml).Descendants("NativeLibrary"))
            .Select(e => (string?)e.Attribute("Include") ?? throw new InvalidOperationException("NativeLibrary without Include"))
            .ToList();

    /// <summary>The Debian package of a native input; fails on one the map does not know.</summary>
    public static string PackageOf(string nativeLibrary) =>
        DebianPackages.TryGetValue(nativeLibrary, out var package)
            ? package
            : throw new KeyNotFoundException(
                $"native link input {nativeLibrary} has no Debian package in NativeLinkInputs.DebianPackages; add it (and install it in the Dockerfile and scripts/test.sh)");

    /// <summary>
    /// The Dockerfile's instructions with line continuations joined, each as (stage alias, text).
    /// </summary>
    public static IReadOnlyList<(string Stage, string Instruction)> DockerInstructions(string dockerfile)
    {
        var joined = ContinuationRegex().Replace(dockerfile, " ");
        var result = new List<(string, string)>();
        var stage = "";
        foreach (var raw in joined.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var from = FromRegex().Match(line);
            if (from.Success)
            {
                stage = from.Groups["alias"].Success ? from.Groups["alias"].Value : "";
            }
            result.Add((stage, line));
        }
        return result;
    }

    /// <summary>The packages the given stage's RUN instructions install with apt-get.</summary>
    public static IReadOnlySet<string> AptInstalled(string dockerfile, string stage)
    {
        var packages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (s, instruction) in DockerInstructions(dockerfile))
        {
            if (s != stage || !instruction.StartsWith("RUN ", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (Match m in AptInstallRegex().Matches(instruction))
            {
                foreach (var word in m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!word.StartsWith('-'))
                    {
                        packages.Add(word);
                    }
                }
            }
        }
        return packages;
    }

    /// <summary>The publish commands (one string each) of the given stage.</summary>
    public static IReadOnlyList<string> DockerPublishCommands(string dockerfile, string stage) =>
        DockerInstructions(dockerfile)
            .Where(i => i.Stage == stage && i.Instruction.StartsWith("RUN ", StringComparison.Ordinal))
            .SelectMany(i => PublishCommands(i.Instruction))
            .ToList();

    /// <summary>Each <c>dotnet publish ...</c> in the text, up to the end of its shell command.</summary>
    public static IReadOnlyList<string> PublishCommands(string shell) =>
        PublishRegex().Matches(ContinuationRegex().Replace(shell, " ")).Select(m => m.Value.Trim()).ToList();

    /// <summary>The framework a publish command asks for with -f/--framework, or null.</summary>
    public static string? RequestedFramework(string publishCommand)
    {
        var m = FrameworkOptionRegex().Match(publishCommand);
        return m.Success ? m.Groups["tfm"].Value : null;
    }

    /// <summary>
    /// Whether scripts/test.sh installs <paramref name="package"/> when <paramref name="path"/> is missing:
    /// <c>[ -e PATH ] || need+=(PACKAGE)</c>, with the need list handed to apt-get install.
    /// </summary>
    public static bool TestScriptInstalls(string script, string path, string package) =>
        script.Contains($"[ -e {path} ] || need+=({package})", StringComparison.Ordinal)
        && AptGetInstallsNeedList().IsMatch(script);

    /// <summary>The single TargetFramework a project builds for (its own, else the one its props set).</summary>
    public static string TargetFramework(params string[] projectThenProps)
    {
        foreach (var xml in projectThenProps)
        {
            var doc = XDocument.Parse(xml);
            if (doc.Descendants("TargetFrameworks").Any())
            {
                throw new InvalidOperationException("more than one target framework: the AOT publish must build exactly one");
            }
            var tfm = doc.Descendants("TargetFramework").Select(e => e.Value.Trim()).FirstOrDefault();
            if (tfm is not null)
            {
                return tfm;
            }
        }
        throw new InvalidOperationException("no TargetFramework");
    }

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex ContinuationRegex();

    [GeneratedRegex(@"^FROM\s+\S+(\s+AS\s+(?<alias>\S+))?", RegexOptions.IgnoreCase)]
    private static partial Regex FromRegex();

    [GeneratedRegex(@"apt-get\s+install\s+(?<args>[^&;|]*)")]
    private static partial Regex AptInstallRegex();

    [GeneratedRegex(@"dotnet\s+publish\b[^&;|\n]*")]
    private static partial Regex PublishRegex();

    [GeneratedRegex(@"(?:^|\s)(?:-f|--framework)(?:\s+|=)(?<tfm>\S+)")]
    private static partial Regex FrameworkOptionRegex();

    [GeneratedRegex(@"apt-get install[^\n]*""\$\{need\[@\]\}""")]
    private static partial Regex AptGetInstallsNeedList();
}
