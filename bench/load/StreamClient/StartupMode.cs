using System.Diagnostics;
using System.Globalization;

namespace StreamClient;

/// <summary>
/// <c>startup</c>: starts the binary (arguments after "--") R times; for each run measures process start to the first
/// successful (200) chat completion answered through it and the CPU the process had used by then (utime + stime from
/// /proc, 10 ms ticks: read the median; on a shared machine it moves less than the wall time), then waits and reads
/// its idle resident memory. With <c>--exe-b</c> (and/or <c>--env-b K=V</c>) a second variant B runs interleaved with
/// A (A B B A A B ...; R runs each) so both see the same machine load, and each gets its own RESULT line (variant=a|b).
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
        var ab = args.Find("exe-b") is not null || args.All("env-b").Count > 0;
        Variant[] variants = ab
            ? [new Variant("a", exe, args.All("env")), new Variant("b", args.Find("exe-b") ?? exe, [.. args.All("env"), .. args.All("env-b")])]
            : [new Variant(null, exe, args.All("env"))];

        for (var run = 0; run < runs; run++)
        {
            for (var i = 0; i < variants.Length; i++)
            {
                // A B, then B A: neither variant always runs first after the previous one's idle wait.
                var v = variants[run % 2 == 0 ? i : variants.Length - 1 - i];
                await v.RunOnceAsync(args.Rest, baseUrl, body, idleMs, run).ConfigureAwait(false);
            }
        }

        foreach (var v in variants) Console.WriteLine(v.Result(runs));
        return variants.All(v => v.Failures == 0) ? 0 : 1;
    }

    private sealed class Variant(string? name, string exe, IReadOnlyList<string> env)
    {
        private readonly Stats _startup = new();
        private readonly Stats _listening = new();
        private readonly Stats _cpu = new();
        private readonly Stats _rss = new();

        public int Failures { get; private set; }

        public async Task RunOnceAsync(IReadOnlyList<string> rest, string baseUrl, byte[] body, int idleMs, int run)
        {
            var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in rest) info.ArgumentList.Add(a);
            foreach (var kv in env)
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
                        if (ProcSample.Read(process.Id) is { } atAnswer) _cpu.Add(atAnswer.CpuTicks * 10_000.0);
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
                Failures++;
                Console.Error.WriteLine($"startup run {run}{(name is null ? "" : " " + name)}: no answer (exited: {process.HasExited}; last error: {lastError ?? "none"}; stderr: {stderr})");
            }
            else
            {
                _startup.AddTicks(answeredAt - t0);
                if (Interlocked.Read(ref listeningAt) is var l and > 0) _listening.AddTicks(l - t0);
                await Task.Delay(idleMs).ConfigureAwait(false);
                if (ProcSample.Read(process.Id) is { } s) _rss.Add(s.RssKb);
            }
            process.Kill();
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        public string Result(int runs) => string.Create(CultureInfo.InvariantCulture,
            $"RESULT mode=startup {(name is null ? "" : $"variant={name} ")}runs={runs} failures={Failures} first_response_ms_p50={_startup.Percentile(50) / 1000:0.0} " +
            $"first_response_ms_min={_startup.Percentile(0) / 1000:0.0} first_response_ms_max={_startup.Percentile(100) / 1000:0.0} " +
            $"listening_line_ms_p50={_listening.Percentile(50) / 1000:0.0} first_response_cpu_ms_p50={_cpu.Percentile(50) / 1000:0} " +
            $"idle_rss_mb_p50={_rss.Percentile(50) / 1024:0.0}");
    }
}
