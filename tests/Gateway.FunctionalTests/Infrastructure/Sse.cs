using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>Helpers to play an OpenAI event stream from a fake upstream, and to read one as a client.</summary>
public static class Sse
{
    public static string Chunk(string content, string? finish = null, int index = 0) =>
        $$"""{"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024","choices":[{"index":{{index}},"delta":{"content":"{{content}}"},"finish_reason":{{(finish is null ? "null" : "\"" + finish + "\"")}}}]}""";

    public const string Truncated = "<truncated>";

    public const string Usage = """{"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""";

    /// <summary>Starts an event stream and writes each payload as a data event, waiting between them.</summary>
    public static async Task WriteAsync(HttpContext ctx, IEnumerable<string> payloads, int delayMs = 0, bool done = true)
    {
        if (!ctx.Response.HasStarted)
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
        foreach (var payload in payloads)
        {
            if (delayMs > 0) await Task.Delay(delayMs, ctx.RequestAborted);
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: " + payload + "\n\n"), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
        if (done) await ctx.Response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), ctx.RequestAborted);
    }

    /// <summary>Reads the raw body until it ends or the connection breaks (a truncated stream).</summary>
    /// <param name="onData">Called with the body so far after each read: a test's signal that bytes arrived.</param>
    public static async Task<(string Body, bool Truncated)> ReadRawAsync(HttpResponseMessage response, Action<string>? onData = null)
    {
        var bytes = new MemoryStream();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                bytes.Write(buffer, 0, n);
                onData?.Invoke(Encoding.UTF8.GetString(bytes.ToArray()));
            }
            return (Encoding.UTF8.GetString(bytes.ToArray()), false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (Encoding.UTF8.GetString(bytes.ToArray()), true);
        }
    }

    /// <summary>
    /// Reads a whole event stream, returning each event's data (comments as ": ..." entries). A stream that
    /// ends in a broken connection adds a final "&lt;truncated&gt;" entry.
    /// </summary>
    /// <param name="onEvent">Called with each entry as it is read: a test's signal that an event arrived.</param>
    public static async Task<List<string>> ReadAllAsync(HttpResponseMessage response, Action<string>? onEvent = null)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync();
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                events.Add(Truncated);
                break;
            }
            if (line is null) break;
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    events.Add(data.ToString());
                    onEvent?.Invoke(events[^1]);
                }
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                events.Add(line);
                onEvent?.Invoke(line);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(line["data: ".Length..]);
        }
        return events;
    }
}
