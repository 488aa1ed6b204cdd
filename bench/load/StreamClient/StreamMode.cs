using System.Diagnostics;

namespace StreamClient;

/// <summary>
/// <c>stream</c>: N workers, each running one SSE request after another for a fixed time. Measures time
/// to first token (request sent to first data event read) and inter-token latency (gap between
/// consecutive data events of one stream), in microseconds.
/// </summary>
internal static class StreamMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var url = args.Get("url");
        var model = args.Get("model");
        var concurrency = args.Int("concurrency", 100);
        var duration = TimeSpan.FromSeconds(args.Double("duration", 10));
        var warmup = TimeSpan.FromSeconds(args.Double("warmup", 1));
        var body = Http.ChatBody(model, stream: true, args.Find("prompt") ?? "Explain in a few words why a proxy should forward each server sent event as soon as it is complete");
        using var client = Http.Client();

        if (warmup > TimeSpan.Zero) await RunPhaseAsync(client, url, body, concurrency, warmup).ConfigureAwait(false);
        var result = await RunPhaseAsync(client, url, body, concurrency, duration).ConfigureAwait(false);

        Console.WriteLine(
            $"RESULT mode=stream concurrency={concurrency} streams={result.Streams} errors={result.Errors} events={result.Events} " +
            $"ttft_p50_us={Stats.F(result.Ttft.Percentile(50))} ttft_p90_us={Stats.F(result.Ttft.Percentile(90))} ttft_p99_us={Stats.F(result.Ttft.Percentile(99))} " +
            $"itl_p50_us={Stats.F(result.Itl.Percentile(50))} itl_p99_us={Stats.F(result.Itl.Percentile(99))} itl_mean_us={Stats.F(result.Itl.Mean)} " +
            $"first_error={(result.FirstError ?? "none").Replace(' ', '_')}");
        return result.Streams > 0 && result.Errors == 0 ? 0 : 1;
    }

    private sealed class PhaseResult
    {
        public int Streams;
        public int Errors;
        public long Events;
        public string? FirstError;
        public readonly Stats Ttft = new();
        public readonly Stats Itl = new();
    }

    private static async Task<PhaseResult> RunPhaseAsync(HttpClient client, string url, byte[] body, int concurrency, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task<PhaseResult>[concurrency];
        for (var w = 0; w < concurrency; w++) workers[w] = Task.Run(() => WorkerAsync(client, url, body, end));
        var total = new PhaseResult();
        foreach (var r in await Task.WhenAll(workers).ConfigureAwait(false))
        {
            total.Streams += r.Streams;
            total.Errors += r.Errors;
            total.Events += r.Events;
            total.FirstError ??= r.FirstError;
            total.Ttft.AddAll(r.Ttft);
            total.Itl.AddAll(r.Itl);
        }
        return total;
    }

    private static async Task<PhaseResult> WorkerAsync(HttpClient client, string url, byte[] body, long end)
    {
        var result = new PhaseResult();
        var counter = new SseCounter();
        var times = new List<long>(128);
        while (Stopwatch.GetTimestamp() < end)
        {
            times.Clear();
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var request = Http.Post(url, body);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                if ((int)response.StatusCode != 200) throw new InvalidOperationException($"status {(int)response.StatusCode}");
                await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                await counter.ReadAsync(stream, times.Add, CancellationToken.None).ConfigureAwait(false);
                if (!counter.SawDone || times.Count < 2) throw new InvalidOperationException($"stream ended without [DONE] after {times.Count} events");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
            {
                result.Errors++;
                result.FirstError ??= e.Message;
                continue;
            }
            result.Streams++;
            result.Events += times.Count;
            result.Ttft.AddTicks(times[0] - start);
            // The gaps between data events; the last one ([DONE]) is paced like a token by the mock and by OpenAI.
            for (var i = 1; i < times.Count; i++) result.Itl.AddTicks(times[i] - times[i - 1]);
        }
        return result;
    }
}
