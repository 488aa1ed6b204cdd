using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>What a <see cref="FakeUpstream"/> handler can answer: completions, event streams, errors, resets and stalls.</summary>
public static class FakeResponses
{
    public static string CompletionJson(string content, string model = "up", int completionTokens = 1) =>
        $$$"""{"id":"chatcmpl-1","object":"chat.completion","model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"{{{content}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":{{{completionTokens}}},"total_tokens":{{{3 + completionTokens}}}}}""";

    public static async Task Completion(HttpContext ctx, string content, int delayMs = 0, int completionTokens = 1)
    {
        if (delayMs > 0) await Task.Delay(delayMs, ctx.RequestAborted);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(CompletionJson(content, completionTokens: completionTokens), ctx.RequestAborted);
    }

    public static string Chunk(string content, string? finish = null) =>
        $$$"""{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"up","choices":[{"index":0,"delta":{"content":"{{{content}}}"},"finish_reason":{{{(finish is null ? "null" : "\"" + finish + "\"")}}}}]}""";

    /// <summary>Streams one chunk per token (flushed each), a finish chunk and <c>[DONE]</c>.</summary>
    public static async Task Stream(HttpContext ctx, IReadOnlyList<string> tokens, int gapMs = 0)
    {
        ctx.Response.ContentType = "text/event-stream";
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && gapMs > 0) await Task.Delay(gapMs, ctx.RequestAborted);
            await ctx.Response.WriteAsync("data: " + Chunk(tokens[i]) + "\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
        await ctx.Response.WriteAsync("data: " + Chunk("", "stop") + "\n\ndata: [DONE]\n\n", ctx.RequestAborted);
    }

    public static async Task Error(HttpContext ctx, int status, string message = "upstream says no")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync($$$"""{"error":{"message":"{{{message}}}","type":"server_error","param":null,"code":null}}""", ctx.RequestAborted);
    }

    /// <summary>Resets the connection before any response byte.</summary>
    public static Task Reset(HttpContext ctx)
    {
        ctx.Abort();
        return Task.CompletedTask;
    }

    /// <summary>Never answers; ends when the gateway gives up.</summary>
    public static Task Stall(HttpContext ctx) => Task.Delay(Timeout.Infinite, ctx.RequestAborted);

    /// <summary>The <c>delta.content</c> of every chunk of an event stream, joined.</summary>
    public static string StreamedText(string sse)
    {
        var text = new StringBuilder();
        foreach (var line in sse.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line[6..]);
            if (doc.RootElement.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0 &&
                choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var c))
            {
                text.Append(c.GetString());
            }
        }
        return text.ToString();
    }
}
