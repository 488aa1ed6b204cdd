using System.Diagnostics;
using System.Globalization;

namespace StreamClient;

/// <summary>
/// <c>hold</c>: opens N streams (at most K opening at once), waits until every one has its first event,
/// then holds them open for a while and reports the resident memory and CPU of the process(es) named by
/// --pid while they are open. Streams must outlast the hold: use a slow token delay upstream.
/// </summary>
internal static class HoldMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var url = args.Get("url");
        var model = args.Get("model");
        var streams = args.Int("streams", 5000);
        var opening = args.Int("opening", 200);
        var hold = TimeSpan.FromSeconds(args.Double("hold", 10));
        var readyTimeout = TimeSpan.FromSeconds(args.Double("ready-timeout", 60));
        var pids = args.All("pid").Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        // ~40 words: with a 1 s token delay each stream lasts ~50 s.
        var body = Http.ChatBody(model, stream: true, args.Find("prompt") ??
            "Hold this stream open for a long while please and keep sending one token at a time so that thousands of streams stay open together at the gateway while its memory and its processor time are measured by the load harness now");
        using var client = Http.Client();
        using var stop = new CancellationTokenSource();
        var gate = new SemaphoreSlim(opening);
        int firstEvents = 0, ended = 0, errors = 0;
        string? firstError = null;
        var before = pids.Select(ProcSample.Read).ToArray();
        var started = Stopwatch.GetTimestamp();

        var tasks = new Task[streams];
        for (var i = 0; i < streams; i++)
        {
            tasks[i] = Task.Run(async () =>
            {
                var counter = new SseCounter();
                var first = true;
                var released = false;
                await gate.WaitAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    using var request = Http.Post(url, body);
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token).ConfigureAwait(false);
                    gate.Release();
                    released = true;
                    if ((int)response.StatusCode != 200) throw new InvalidOperationException($"status {(int)response.StatusCode}");
                    await using var stream = await response.Content.ReadAsStreamAsync(stop.Token).ConfigureAwait(false);
                    await counter.ReadAsync(stream, _ =>
                    {
                        if (!first) return;
                        first = false;
                        Interlocked.Increment(ref firstEvents);
                    }, stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref ended);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
                finally
                {
                    if (!released) gate.Release();
                }
            });
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(readyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref firstEvents) + Volatile.Read(ref errors) < streams && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
        var rampMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Console.WriteLine($"READY open={firstEvents} errors={errors} ramp_ms={rampMs:0}");

        var atStart = pids.Select(ProcSample.Read).ToArray();
        var peak = atStart.Select(s => s?.RssKb ?? 0).ToArray();
        var holdEnd = Stopwatch.GetTimestamp() + (long)(hold.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < holdEnd)
        {
            await Task.Delay(250).ConfigureAwait(false);
            for (var p = 0; p < pids.Length; p++) peak[p] = Math.Max(peak[p], ProcSample.Read(pids[p])?.RssKb ?? 0);
        }
        var atEnd = pids.Select(ProcSample.Read).ToArray();
        var openAtEnd = firstEvents - Volatile.Read(ref ended) - Volatile.Read(ref errors);

        var line = $"RESULT mode=hold streams={streams} opened={firstEvents} open_at_end={openAtEnd} ended_early={ended} errors={errors} ramp_ms={rampMs:0}";
        for (var p = 0; p < pids.Length; p++)
        {
            if (atStart[p] is not { } s || atEnd[p] is not { } e) continue;
            var idle = before[p]?.RssKb ?? 0;
            line += string.Create(CultureInfo.InvariantCulture,
                $" p{p}_rss_before_mb={idle / 1024.0:0.0} p{p}_rss_mb={e.RssKb / 1024.0:0.0} p{p}_rss_peak_mb={peak[p] / 1024.0:0.0} p{p}_cpu_pct={ProcSample.CpuPercent(s, e):0.0}");
        }
        line += " first_error=" + (firstError ?? "none").Replace(' ', '_');
        Console.WriteLine(line);

        stop.Cancel();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(5000)).ConfigureAwait(false);
        return openAtEnd == streams && errors == 0 ? 0 : 1;
    }
}
