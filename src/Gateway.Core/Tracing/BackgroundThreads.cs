using System.Runtime.InteropServices;

namespace Gateway.Tracing;

/// <summary>
/// Lowers the calling thread's scheduling priority (Linux nice, per thread) for the gateway's own background
/// work: the span store's encoder and writer and the OTLP export. With inline socket completions the requests run
/// on two socket threads; at equal priority a store thread that wakes with a batch takes a core from them for its
/// whole slice, and every request on that socket thread waits behind it (the p99 at 50 connections). A few steps
/// of nice let the request threads go first while the background threads still get the CPU they need.
/// </summary>
internal static class BackgroundThreads
{
    private const int PrioProcess = 0;

    /// <summary><c>GATEWAY_BACKGROUND_NICE</c>: steps of nice below the process (0 leaves them alone).</summary>
    public static int Steps { get; set; } = int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_BACKGROUND_NICE"), out var n) ? n : 0;

    public static void LowerCurrent()
    {
        var steps = Steps;
        if (steps <= 0 || !OperatingSystem.IsLinux()) return;
        try
        {
            var tid = gettid();
            Marshal.SetLastPInvokeError(0);
            var current = getpriority(PrioProcess, tid);
            if (current == -1 && Marshal.GetLastPInvokeError() != 0) return;
            setpriority(PrioProcess, tid, Math.Min(19, current + steps));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc or musl: the threads keep the process's priority.
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int gettid();

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int getpriority(int which, int who);

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);
}
