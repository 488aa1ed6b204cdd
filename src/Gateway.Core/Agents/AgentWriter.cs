using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Agents;

/// <summary>
/// What the agent API answers (docs/agents-and-mcp.md). Not streaming: one <c>chat.completion</c> with the final
/// message, usage summed over the turns, <c>iterations</c> and <c>transcript</c> (every tool call with its result).
/// Streaming: <c>chat.completion.chunk</c> events with the model's text as it arrives, an
/// <c>agent.tool_call</c> and an <c>agent.tool_result</c> event per tool call, a last chunk with the finish
/// reason and usage, then <c>[DONE]</c>.
/// </summary>
internal sealed class AgentWriter(HttpResponse response, string id, string model, long created)
{
    private bool _roleSent;

    public void StartStream()
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public ValueTask TextAsync(string text) => EventAsync(null, w =>
    {
        ChunkHead(w);
        w.WriteStartObject("delta"u8);
        if (!_roleSent) w.WriteString("role"u8, "assistant");
        _roleSent = true;
        w.WriteString("content"u8, text);
        w.WriteEndObject();
        w.WriteNull("finish_reason"u8);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    public ValueTask ToolCallAsync(AgentToolCall call) => EventAsync("agent.tool_call", w =>
    {
        w.WriteString("object"u8, "agent.tool_call");
        WriteCall(w, call, withResult: false);
    });

    public ValueTask ToolResultAsync(AgentToolCall call) => EventAsync("agent.tool_result", w =>
    {
        w.WriteString("object"u8, "agent.tool_result");
        w.WriteNumber("iteration"u8, call.Iteration);
        w.WriteString("tool_call_id"u8, call.Id);
        w.WriteString("server"u8, call.Server);
        w.WriteString("name"u8, call.Name);
        w.WriteString("content"u8, call.Result);
        w.WriteBoolean("is_error"u8, call.IsError);
    });

    public async ValueTask FinishAsync(string finishReason, long input, long output, int iterations)
    {
        await EventAsync(null, w =>
        {
            ChunkHead(w);
            w.WriteStartObject("delta"u8);
            w.WriteEndObject();
            w.WriteString("finish_reason"u8, finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, input, output);
            w.WriteNumber("iterations"u8, iterations);
        }).ConfigureAwait(false);
        response.BodyWriter.Write("data: [DONE]\n\n"u8);
        await response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The whole answer of a non-streaming request.</summary>
    public byte[] Completion(string? content, string finishReason, long input, long output, int iterations, IReadOnlyList<AgentToolCall> transcript)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            Head(w, "chat.completion");
            w.WriteStartObject("message"u8);
            w.WriteString("role"u8, "assistant");
            w.WriteString("content"u8, content);
            w.WriteEndObject();
            w.WriteString("finish_reason"u8, finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, input, output);
            w.WriteNumber("iterations"u8, iterations);
            w.WriteStartArray("transcript"u8);
            foreach (var call in transcript)
            {
                w.WriteStartObject();
                WriteCall(w, call, withResult: true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteCall(Utf8JsonWriter w, AgentToolCall call, bool withResult)
    {
        w.WriteNumber("iteration"u8, call.Iteration);
        w.WriteString("id"u8, call.Id);
        w.WriteString("server"u8, call.Server);
        w.WriteString("name"u8, call.Name);
        w.WriteString("arguments"u8, call.Arguments);
        if (!withResult) return;
        w.WriteString("result"u8, call.Result);
        w.WriteBoolean("is_error"u8, call.IsError);
    }

    private static void WriteUsage(Utf8JsonWriter w, long input, long output)
    {
        w.WriteStartObject("usage"u8);
        w.WriteNumber("prompt_tokens"u8, input);
        w.WriteNumber("completion_tokens"u8, output);
        w.WriteNumber("total_tokens"u8, input + output);
        w.WriteEndObject();
    }

    private void ChunkHead(Utf8JsonWriter w) => Head(w, "chat.completion.chunk");

    /// <summary>id, object, created, model, then opens <c>choices[0]</c> with its index.</summary>
    private void Head(Utf8JsonWriter w, string kind)
    {
        w.WriteString("id"u8, id);
        w.WriteString("object"u8, kind);
        w.WriteNumber("created"u8, created);
        w.WriteString("model"u8, model);
        w.WriteStartArray("choices"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, 0);
    }

    private async ValueTask EventAsync(string? name, Action<Utf8JsonWriter> body)
    {
        var pipe = response.BodyWriter;
        if (name is not null)
        {
            pipe.Write("event: "u8);
            pipe.Write(System.Text.Encoding.UTF8.GetBytes(name));
            pipe.Write("\n"u8);
        }
        pipe.Write("data: "u8);
        using (var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        pipe.Write("\n\n"u8);
        await pipe.FlushAsync().ConfigureAwait(false);
    }
}
