using System.Diagnostics;

namespace Gateway.FunctionalTests.Mcp;

/// <summary>Starts the node scripts of tests/mcp with output captured and a minimal environment.</summary>
internal static class NodeScripts
{
    /// <summary>
    /// Starts <c>node script args</c> in <paramref name="folder"/>. The environment is cleared down to PATH and
    /// HOME: server-everything has a <c>get-env</c> tool that prints its environment, and nothing of the
    /// test machine's needs to be in it.
    /// </summary>
    public static Process Start(string folder, string script, IEnumerable<string> args, List<string> output)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var path = Environment.GetEnvironmentVariable("PATH");
        var home = Environment.GetEnvironmentVariable("HOME");
        psi.Environment.Clear();
        if (path is not null) psi.Environment["PATH"] = path;
        if (home is not null) psi.Environment["HOME"] = home;
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is not installed (apt-get install nodejs npm; scripts/test.sh does): " + e.Message, e);
        }
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add(e.Data);
        };
        return process;
    }
}
