using System.Buffers;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>
/// Request bodies and SSE streams shaped like OpenAI's, built once. The stream is what
/// api.openai.com sends for a 64-token answer with <c>stream_options.include_usage</c>: a role chunk,
/// one chunk per token, a finish chunk, a usage chunk and <c>[DONE]</c>, each event ending in LF LF.
/// </summary>
internal static class Payloads
{
    public const int StreamTokens = 64;

    /// <summary>The events of the stream, in order (StreamTokens + 4 of them).</summary>
    public static readonly byte[][] StreamEvents = BuildStreamEvents();

    /// <summary>All events back to back.</summary>
    public static readonly byte[] Stream = Concat(StreamEvents);

    /// <summary>A chat request as SDKs send it: system + user message, a few sampling fields (449 bytes).</summary>
    public static readonly byte[] TypicalChatBody = Encoding.UTF8.GetBytes("""
        {"model":"openai-main/gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant. Answer concisely and cite sources when you can."},{"role":"user","content":"Summarise the main differences between HTTP/1.1 keep-alive and HTTP/2 multiplexing for a proxy that forwards server-sent events, in three bullet points."}],"temperature":0.7,"top_p":1,"max_tokens":512,"stream":true,"stream_options":{"include_usage":true},"user":"user-1234"}
        """);

    /// <summary>A long agent conversation: 40 turns, tool schemas and a tool result (68 KB); the model field comes last.</summary>
    public static readonly byte[] LargeChatBody = BuildLargeBody();

    private static byte[][] BuildStreamEvents()
    {
        const string Head = """data: {"id":"chatcmpl-AXyZ0123456789abcdefGHIJ","object":"chat.completion.chunk","created":1732240000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e067d82","choices":[{"index":0,"delta":""";
        const string Tail = ""","logprobs":null,"finish_reason":null}]}""";
        var words = "The quick brown fox jumps over the lazy dog while the proxy forwards every server sent event as soon as it is complete".Split(' ');
        var events = new List<byte[]>
        {
            Encoding.UTF8.GetBytes(Head + """{"role":"assistant","content":"","refusal":null}""" + Tail + "\n\n"),
        };
        for (var i = 0; i < StreamTokens; i++)
        {
            var word = (i == 0 ? "" : " ") + words[i % words.Length];
            events.Add(Encoding.UTF8.GetBytes(Head + "{\"content\":\"" + word + "\"}" + Tail + "\n\n"));
        }
        events.Add(Encoding.UTF8.GetBytes("""data: {"id":"chatcmpl-AXyZ0123456789abcdefGHIJ","object":"chat.completion.chunk","created":1732240000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e067d82","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""" + "\n\n"));
        events.Add(Encoding.UTF8.GetBytes("""data: {"id":"chatcmpl-AXyZ0123456789abcdefGHIJ","object":"chat.completion.chunk","created":1732240000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e067d82","choices":[],"usage":{"prompt_tokens":42,"completion_tokens":64,"total_tokens":106,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}""" + "\n\n"));
        events.Add("data: [DONE]\n\n"u8.ToArray());
        return [.. events];
    }

    private static byte[] BuildLargeBody()
    {
        var sb = new StringBuilder(80 * 1024);
        sb.Append("""{"messages":[{"role":"system","content":"You are an agent with tools. Think step by step."}""");
        var paragraph = string.Concat(Enumerable.Repeat("The gateway reads only the fields it needs and forwards every other byte untouched, so tool schemas and long histories cost one pass. ", 12));
        for (var i = 0; i < 40; i++)
        {
            var role = i % 2 == 0 ? "user" : "assistant";
            sb.Append(",{\"role\":\"").Append(role).Append("\",\"content\":\"Turn ").Append(i).Append(": ").Append(paragraph).Append("\"}");
        }
        sb.Append(""",{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"search","arguments":"{\"query\":\"sse proxy\"}"}}]}""");
        sb.Append(""",{"role":"tool","tool_call_id":"call_1","content":"{\"results\":[{\"title\":\"Server-sent events\",\"url\":\"https://html.spec.whatwg.org/multipage/server-sent-events.html\"}]}"}""");
        sb.Append("],\"tools\":[");
        for (var t = 0; t < 8; t++)
        {
            if (t > 0) sb.Append(',');
            sb.Append("{\"type\":\"function\",\"function\":{\"name\":\"tool_").Append(t)
              .Append("\",\"description\":\"A tool with a nested JSON schema.\",\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"},\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50},\"filters\":{\"type\":\"object\",\"properties\":{\"site\":{\"type\":\"string\"},\"after\":{\"type\":\"string\",\"format\":\"date\"}}}},\"required\":[\"query\"]}}}");
        }
        sb.Append("],\"tool_choice\":\"auto\",\"temperature\":0.2,\"max_completion_tokens\":4096,\"stream\":true,\"model\":\"openai-main/gpt-4o\"}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static byte[] Concat(byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(all, at);
            at += p.Length;
        }
        return all;
    }

    /// <summary>The bytes as a chain of segments of <paramref name="segmentSize"/> bytes, like small socket reads.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        Segment? first = null, last = null;
        for (var at = 0; at < bytes.Length; at += segmentSize)
        {
            var chunk = bytes.AsMemory(at, Math.Min(segmentSize, bytes.Length - at));
            if (first is null) first = last = new Segment(chunk, 0);
            else last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
