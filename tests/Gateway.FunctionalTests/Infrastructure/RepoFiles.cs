namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>Files of the repository the tests run from (examples/, README), found by walking up to Gateway.sln.</summary>
public static class RepoFiles
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Gateway.sln above {AppContext.BaseDirectory}");
    });

    public static string PathOf(string relative) => Path.Combine(s_root.Value, relative);
}
