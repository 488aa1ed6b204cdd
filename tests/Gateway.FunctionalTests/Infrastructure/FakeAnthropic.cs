using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// Answers as Anthropic's Messages API does (https://docs.anthropic.com/en/api/messages and
/// .../messages-streaming), for a <see cref="FakeUpstream"/> handler: a whole message, or, when the request
/// asks for <c>stream</c>, the exact event sequence: <c>message_start</c>, <c>ping</c>, per block
/// <c>content_block_start</c> / <c>content_block_delta</c> (text_delta, input_json_delta, thinking_delta) /
/// <c>content_block_stop</c>, then <c>message_delta</c> with the stop reason and usage, and <c>message_stop</c>;
/// each with its <c>event:</c> line.
/// </summary>
public static class FakeAnthropic
{
    public sealed record Block(string Type, string[] Parts, string? Id = null, string? Name = null);

    public static Block Text(params string[] parts) => new("text", parts);

    /// <summary>A tool_use block whose input arrives as these input_json_delta fragments.</summary>
    public static Block ToolUse(string id, string name, params string[] jsonParts) => new("tool_use", jsonParts, id, name);

    public static Block Thinking(params string[] parts) => new("thinking", parts);

    public sealed record Usage(int Input = 12, int Output = 7, int CacheRead = 0, int CacheCreation = 0);

    public static Task Answer(HttpContext ctx, byte[] request, IReadOnlyList<Block> blocks, string stopReason = "end_turn", Usage? usage = null, string model = "claude-sonnet-4-5-20250929")
    {
        usage ??= new Usage();
        var stream = JsonNode.Parse(request)?["stream"]?.GetValue<bool>() == true;
        return stream ? StreamAsync(ctx, blocks, stopReason, usage, model) : MessageAsync(ctx, blocks, stopReason, usage, model);
    }

    public static string MessageJson(IReadOnlyList<Block> blocks, string stopReason, Usage usage, string model)
    {
        var content = new JsonArray();
        foreach (var b in blocks)
        {
            var whole = string.Concat(b.Parts);
            content.Add(b.Type switch
            {
                "text" => new JsonObject { ["type"] = "text", ["text"] = whole },
                "thinking" => new JsonObject { ["type"] = "thinking", ["thinking"] = whole, ["signature"] = "sig" },
                _ => new JsonObject { ["type"] = "tool_use", ["id"] = b.Id, ["name"] = b.Name, ["input"] = JsonNode.Parse(whole.Length == 0 ? "{}" : whole) },
            });
        }
        return new JsonObject
        {
            ["id"] = "msg_01fake",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = content,
            ["stop_reason"] = stopReason,
            ["stop_sequence"] = null,
            ["usage"] = UsageJson(usage, usage.Output),
        }.ToJsonString();
    }

    private static JsonObject UsageJson(Usage usage, int output) => new()
    {
        ["input_tokens"] = usage.Input,
        ["cache_creation_input_tokens"] = usage.CacheCreation,
        ["cache_read_input_tokens"] = usage.CacheRead,
        ["output_tokens"] = output,
    };

    private static async Task MessageAsync(HttpContext ctx, IReadOnlyList<Block> blocks, string stopReason, Usage usage, string model)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(MessageJson(blocks, stopReason, usage, model), ctx.RequestAborted);
    }

    /// <summary>The events of a streamed answer, in order, as (event name, data JSON).</summary>
    public static List<(string Event, string Data)> Events(IReadOnlyList<Block> blocks, string stopReason, Usage usage, string model)
    {
        var events = new List<(string, string)>();
        var start = JsonNode.Parse(MessageJson([], "x", usage, model))!.AsObject();
        start["stop_reason"] = null;
        start["usage"] = UsageJson(usage, 1);
        events.Add(("message_start", new JsonObject { ["type"] = "message_start", ["message"] = start }.ToJsonString()));
        events.Add(("ping", """{"type":"ping"}"""));
        for (var i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            JsonObject block = b.Type switch
            {
                "text" => new() { ["type"] = "text", ["text"] = "" },
                "thinking" => new() { ["type"] = "thinking", ["thinking"] = "" },
                _ => new() { ["type"] = "tool_use", ["id"] = b.Id, ["name"] = b.Name, ["input"] = new JsonObject() },
            };
            events.Add(("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = i, ["content_block"] = block }.ToJsonString()));
            foreach (var part in b.Parts)
            {
                JsonObject delta = b.Type switch
                {
                    "text" => new() { ["type"] = "text_delta", ["text"] = part },
                    "thinking" => new() { ["type"] = "thinking_delta", ["thinking"] = part },
                    _ => new() { ["type"] = "input_json_delta", ["partial_json"] = part },
                };
                events.Add(("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = delta }.ToJsonString()));
            }
            if (b.Type == "thinking")
            {
                events.Add(("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = new JsonObject { ["type"] = "signature_delta", ["signature"] = "sig" } }.ToJsonString()));
            }
            events.Add(("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i }.ToJsonString()));
        }
        events.Add(("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = usage.Output },
        }.ToJsonString()));
        events.Add(("message_stop", """{"type":"message_stop"}"""));
        return events;
    }

    public static async Task StreamAsync(HttpContext ctx, IReadOnlyList<Block> blocks, string stopReason, Usage usage, string model, int stopAfter = int.MaxValue)
    {
        ctx.Response.ContentType = "text/event-stream";
        var events = Events(blocks, stopReason, usage, model);
        for (var i = 0; i < events.Count && i < stopAfter; i++)
        {
            await ctx.Response.WriteAsync($"event: {events[i].Event}\ndata: {events[i].Data}\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
    }

    /// <summary>An error answer: <c>{"type":"error","error":{"type","message"}}</c>.</summary>
    public static async Task Error(HttpContext ctx, int status, string type, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(ErrorJson(type, message), ctx.RequestAborted);
    }

    public static string ErrorJson(string type, string message) =>
        new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }.ToJsonString();

    /// <summary>The request as JSON, for assertions on what the gateway sent.</summary>
    public static JsonNode Request(RecordedRequest request) => JsonNode.Parse(Encoding.UTF8.GetString(request.Body))!;

    public static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
