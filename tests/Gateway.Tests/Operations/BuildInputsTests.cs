using System.Text.RegularExpressions;

namespace Gateway.Tests.Operations;

/// <summary>
/// The Dockerfile's builder and scripts/test.sh provide what the Native AOT link reads from the
/// machine, and publish the framework the projects build. No Docker engine runs here: the checks read
/// the files (issue #9, item 12: the image could not build because the builder lacked libsqlite3-dev).
/// </summary>
public sealed class BuildInputsTests
{
    private const string GatewayProject = "src/Gateway/Gateway.csproj";
    private const string CoreProject = "src/Gateway.Core/Gateway.Core.csproj";

    // The Dockerfile as it was before the fix: no libsqlite3-dev, and a publish pinned to net9.0's era.
    private const string BrokenDockerfile = """
        FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
        RUN apt-get update \
         && apt-get install -y --no-install-recommends clang zlib1g-dev \
         && rm -rf /var/lib/apt/lists/*
        RUN dotnet publish src/Gateway/Gateway.csproj -f net9.0 -c Release -r linux-x64 \
              -p:PublishAot=true -o /out \
         && rm -f /out/*.dbg /out/*.pdb
        FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS final
        """;

    private static IReadOnlyList<string> NativeInputs() =>
        NativeLinkInputs.NativeLibraries(RepoFiles.Read(GatewayProject), RepoFiles.Read(CoreProject));

    private static string Framework() =>
        NativeLinkInputs.TargetFramework(RepoFiles.Read(GatewayProject), RepoFiles.Read("src/Directory.Build.props"));

    /// <summary>The Dockerfile stage that runs dotnet publish.</summary>
    private static string BuilderStage(string dockerfile) =>
        NativeLinkInputs.DockerInstructions(dockerfile)
            .Where(i => i.Instruction.StartsWith("RUN ", StringComparison.Ordinal) && i.Instruction.Contains("dotnet publish", StringComparison.Ordinal))
            .Select(i => i.Stage)
            .Single();

    [Fact]
    public void TheProjectsHaveNativeLinkInputs_EachWithAKnownDebianPackage()
    {
        var inputs = NativeInputs();
        Assert.Contains("/usr/lib/x86_64-linux-gnu/libsqlite3.a", inputs);
        foreach (var input in inputs)
        {
            Assert.NotEmpty(NativeLinkInputs.PackageOf(input));
        }
    }

    [Fact]
    public void AnUnknownNativeInput_Fails()
    {
        var projects = """<Project><ItemGroup><NativeLibrary Include="/usr/lib/x86_64-linux-gnu/libfoo.a" /></ItemGroup></Project>""";
        var input = Assert.Single(NativeLinkInputs.NativeLibraries(projects));
        var e = Assert.Throws<KeyNotFoundException>(() => NativeLinkInputs.PackageOf(input));
        Assert.Contains("libfoo.a", e.Message);
    }

    [Fact]
    public void DockerfileBuilder_InstallsThePackageOfEveryNativeInput()
    {
        var dockerfile = RepoFiles.Read("Dockerfile");
        var installed = NativeLinkInputs.AptInstalled(dockerfile, BuilderStage(dockerfile));
        Assert.Contains("clang", installed);
        foreach (var input in NativeInputs())
        {
            var package = NativeLinkInputs.PackageOf(input);
            Assert.True(installed.Contains(package),
                $"the Dockerfile's builder must apt-get install {package} (provides {input}); it installs: {string.Join(' ', installed)}");
        }
    }

    [Fact]
    public void DockerfileBuilder_WithoutLibsqlite3Dev_IsCaught()
    {
        var installed = NativeLinkInputs.AptInstalled(BrokenDockerfile, BuilderStage(BrokenDockerfile));
        Assert.Equal(["clang", "zlib1g-dev"], installed.Order());
        Assert.DoesNotContain(NativeLinkInputs.PackageOf("/usr/lib/x86_64-linux-gnu/libsqlite3.a"), installed);
    }

    [Fact]
    public void TheProjectsBuildOneFramework_Net10()
    {
        Assert.Equal("net10.0", Framework());
        Assert.DoesNotContain("<TargetFramework", RepoFiles.Read(GatewayProject), StringComparison.Ordinal);
        Assert.DoesNotContain("<TargetFramework", RepoFiles.Read(CoreProject), StringComparison.Ordinal);
    }

    [Fact]
    public void DockerfilePublish_MatchesTheProjectsFramework_AndTheSdkImage()
    {
        var dockerfile = RepoFiles.Read("Dockerfile");
        var framework = Framework();
        var publish = Assert.Single(NativeLinkInputs.DockerPublishCommands(dockerfile, BuilderStage(dockerfile)));
        Assert.Contains(GatewayProject, publish);
        Assert.Contains("-r linux-x64", publish);
        var requested = NativeLinkInputs.RequestedFramework(publish);
        Assert.True(requested is null || requested == framework, $"the Dockerfile publishes {requested}; the projects build {framework}");

        // net10.0 needs the 10.0 SDK to build and the 10.0 runtime-deps image to run.
        var version = framework["net".Length..];
        var images = NativeLinkInputs.DockerInstructions(dockerfile).Where(i => i.Instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).Select(i => i.Instruction).ToList();
        Assert.Contains(images, i => i.Contains($"mcr.microsoft.com/dotnet/sdk:{version} ", StringComparison.Ordinal));
        Assert.Contains(images, i => Regex.IsMatch(i, $@"mcr\.microsoft\.com/dotnet/runtime-deps:{Regex.Escape(version)}(-|\s|$)"));
    }

    [Fact]
    public void APublishPinnedToAnotherFramework_IsCaught()
    {
        var publish = Assert.Single(NativeLinkInputs.DockerPublishCommands(BrokenDockerfile, BuilderStage(BrokenDockerfile)));
        Assert.Equal("net9.0", NativeLinkInputs.RequestedFramework(publish));
        Assert.NotEqual(Framework(), NativeLinkInputs.RequestedFramework(publish));
    }

    [Fact]
    public void TestScript_InstallsThePackageOfEveryNativeInput_AndPublishesTheProjectsFramework()
    {
        var script = RepoFiles.Read("scripts/test.sh");
        foreach (var input in NativeInputs())
        {
            var package = NativeLinkInputs.PackageOf(input);
            Assert.True(NativeLinkInputs.TestScriptInstalls(script, input, package),
                $"scripts/test.sh must install {package} when {input} is missing: [ -e {input} ] || need+=({package})");
        }
        var publish = Assert.Single(NativeLinkInputs.PublishCommands(script));
        Assert.Contains(GatewayProject, publish);
        var requested = NativeLinkInputs.RequestedFramework(publish);
        Assert.True(requested is null || requested == Framework(), $"scripts/test.sh publishes {requested}; the projects build {Framework()}");
    }

    [Fact]
    public void ATestScriptThatDoesNotInstallSqlite_IsCaught()
    {
        const string script = """
            [ -e /usr/lib/x86_64-linux-gnu/libz.so ] || need+=(zlib1g-dev)
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
            """;
        Assert.False(NativeLinkInputs.TestScriptInstalls(script, "/usr/lib/x86_64-linux-gnu/libsqlite3.a", "libsqlite3-dev"));
        Assert.True(NativeLinkInputs.TestScriptInstalls(script, "/usr/lib/x86_64-linux-gnu/libz.so", "zlib1g-dev"));
    }
}
