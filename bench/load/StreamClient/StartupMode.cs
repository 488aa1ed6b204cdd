using System.Diagnostics;
using System.Globalization;

namespace StreamClient;

/// <summary>
/// <c>startup</c>: starts the binary (arguments after "--") R times; for each run measures process start to the first
/// successful (200) chat completion answered through it and the CPU the process had used by then (utime + stime from
/// /proc, 10 ms ticks: read the median; on a shared machine it moves less than the wall time), then waits and reads
/// its idle resident memory.
/// </summary>
internal static class StartupMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var exe = args.Get("exe");
        var baseUrl = args.Get("url").TrimEnd('/');
        var model = args.Find("model") ?? "mock/echo";
        var runs = args.Int("runs", 5);
        var idleMs = args.Int("idle-ms", 1000);
        var body = Http.ChatBody(model, stream: false, "hello");
        var startup = new Stats();
        var listening = new Stats();
        var cpu = new Stats();
        var rss = new Stats();
        var failures = 0;

        for (var run = 0; run < runs; run++)
        {
            var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args.Rest) info.ArgumentList.Add(a);
            foreach (var kv in args.All("env"))
            {
                var eq = kv.IndexOf('=');
                info.Environment[kv[..eq]] = kv[(eq + 1)..];
            }
            using var client = Http.Client(TimeSpan.FromSeconds(5));
            long listeningAt = 0;
            var t0 = Stopwatch.GetTimestamp();
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + exe);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) Interlocked.CompareExchange(ref listeningAt, Stopwatch.GetTimestamp(), 0);
            };
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            long answeredAt = 0;
            string? lastError = null;
            var giveUp = t0 + 10 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < giveUp && !process.HasExited)
            {
                try
                {
                    using var request = Http.Post(baseUrl + "/v1/chat/completions", body);
                    using var response = await client.SendAsync(request).ConfigureAwait(false);
                    if ((int)response.StatusCode == 200)
                    {
                        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                        answeredAt = Stopwatch.GetTimestamp();
                        if (ProcSample.Read(process.Id) is { } atAnswer) cpu.Add(atAnswer.CpuTicks * 10_000.0);
                        break;
                    }
                }
                catch (HttpRequestException e)
                {
                    // Not listening yet.
                    lastError = e.Message;
                }
                await Task.Delay(1).ConfigureAwait(false);
            }
            if (answeredAt == 0)
            {
                failures++;
                Console.Error.WriteLine($"startup run {run}: no answer (exited: {process.HasExited}; last error: {lastError ?? "none"}; stderr: {stderr})");
            }
            else
            {
                startup.AddTicks(answeredAt - t0);
                if (Interlocked.Read(ref listeningAt) is var l and > 0) listening.AddTicks(l - t0);
                await Task.Delay(idleMs).ConfigureAwait(false);
                if (ProcSample.Read(process.Id) is { } s) rss.Add(s.RssKb);
            }
            process.Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT mode=startup runs={runs} failures={failures} first_response_ms_p50={startup.Percentile(50) / 1000:0.0} " +
            $"first_response_ms_min={startup.Percentile(0) / 1000:0.0} first_response_ms_max={startup.Percentile(100) / 1000:0.0} " +
            $"listening_line_ms_p50={listening.Percentile(50) / 1000:0.0} first_response_cpu_ms_p50={cpu.Percentile(50) / 1000:0} " +
            $"idle_rss_mb_p50={rss.Percentile(50) / 1024:0.0}"));
        return failures == 0 ? 0 : 1;
    }
}
