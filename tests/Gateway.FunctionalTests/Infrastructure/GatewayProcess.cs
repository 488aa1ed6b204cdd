using System.Diagnostics;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// Runs the gateway as a separate process: the AOT binary when GATEWAY_BINARY is set, otherwise
/// <c>dotnet gateway.dll</c> from this test's output folder. For CLI, signal and shutdown tests.
/// </summary>
public static class GatewayProcess
{
    /// <summary>The working directories of this test run's processes; deleted when the test host exits.</summary>
    private static readonly Lazy<string> s_directories = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("gateway-functional-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A process still running keeps its files; the temp folder's cleaner takes them.
            }
        };
        return root;
    });

    /// <summary>
    /// A fresh directory to start a gateway in. Each process gets one (<see cref="StartInfo"/>): on the default
    /// config the span store is gateway-spans.db in the working directory, which one gateway holds at a time.
    /// </summary>
    public static string NewWorkingDirectory() => Directory.CreateDirectory(Path.Combine(s_directories.Value, Guid.NewGuid().ToString("N"))).FullName;

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var binary = Environment.GetEnvironmentVariable("GATEWAY_BINARY");
        ProcessStartInfo psi;
        if (!string.IsNullOrEmpty(binary))
        {
            // Full: the process starts in another directory.
            psi = new ProcessStartInfo(Path.GetFullPath(binary));
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
        psi.WorkingDirectory = NewWorkingDirectory();
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
        return await RunAsync(psi);
    }

    /// <summary>Runs <paramref name="psi"/> (from <see cref="StartInfo"/>, changed by the caller) to completion.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo psi)
    {
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // A gateway expected to exit that serves instead: not left running after the test.
            process.Kill();
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a gateway and waits for its "gateway listening on URL" line; kills it if that does not come within 20 s.</summary>
    public static async Task<(Process Process, Uri Url, List<string> Output)> StartAsync(ProcessStartInfo psi)
    {
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (e.Data.StartsWith("gateway listening on ", StringComparison.Ordinal)) listening.TrySetResult(new Uri(e.Data["gateway listening on ".Length..].Split(' ')[0]));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return (process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(20)), output);
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

    /// <summary>Sends SIGTERM (Process.Kill sends SIGKILL, which is not what an orchestrator sends).</summary>
    public static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
