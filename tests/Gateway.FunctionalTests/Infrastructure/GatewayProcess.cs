using System.Diagnostics;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// Runs the gateway as a separate process: the AOT binary when GATEWAY_BINARY is set, otherwise
/// <c>dotnet gateway.dll</c> from this test's output folder. For CLI, signal and shutdown tests.
/// </summary>
public static class GatewayProcess
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var binary = Environment.GetEnvironmentVariable("GATEWAY_BINARY");
        ProcessStartInfo psi;
        if (!string.IsNullOrEmpty(binary))
        {
            psi = new ProcessStartInfo(binary);
        }
        else
        {
            psi = new ProcessStartInfo("dotnet");
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gateway.dll"));
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment.Remove("ASPNETCORE_URLS");
        psi.Environment.Remove("GATEWAY_CONFIG");
        psi.Environment.Remove("OPENAI_API_KEY");
        return psi;
    }

    /// <summary>Runs to completion and returns the exit code with everything printed.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs to completion with extra environment variables.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = StartInfo(args);
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Sends SIGTERM (Process.Kill sends SIGKILL, which is not what an orchestrator sends).</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
