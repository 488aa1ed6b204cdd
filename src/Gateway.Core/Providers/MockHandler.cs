using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.OpenAI;

namespace Gateway.Providers;

/// <summary>
/// The built-in <c>mock</c> provider: a real OpenAI-compatible responder that runs in process, so the
/// default config serves real responses with no network and exercises exactly the proxy path an
/// HTTP upstream does. Text is deterministic; streams pace tokens by a configured delay; usage is filled in.
/// If the request offers tools and the last message is not a tool result, it calls tools (<see cref="MockAgent"/>).
/// </summary>
internal sealed class MockHandler(int tokenDelayMs) : HttpMessageHandler
{
    private static long s_ids;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var path = request.RequestUri!.AbsolutePath;
        if (path.EndsWith("/rerank", StringComparison.Ordinal))
        {
            try
            {
                return MockRerank.Answer(body, out var rerankError) is { } ranked ? Json(ranked) : Error(HttpStatusCode.BadRequest, rerankError!);
            }
            catch (JsonException e)
            {
                return Error(HttpStatusCode.BadRequest, "invalid JSON: " + e.Message);
            }
        }
        if (path.EndsWith("/responses", StringComparison.Ordinal)) return Error(HttpStatusCode.NotFound, "the mock provider does not serve the Responses API");
        MockRequest req;
        try
        {
            req = MockRequest.Parse(body);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: text that is not valid Unicode where the mock needs a string.
            return Error(HttpStatusCode.BadRequest, "invalid JSON: " + e.Message);
        }
        var id = Interlocked.Increment(ref s_ids);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            if (req.Inputs.Count == 0) return Error(HttpStatusCode.BadRequest, "'input' is required");
            return Json(MockWriter.Embeddings(req));
        }
        var chat = path.EndsWith("/chat/completions", StringComparison.Ordinal);
        if (chat && !req.HasMessages) return Error(HttpStatusCode.BadRequest, "'messages' is required");
        var reply = MockReply.For(req, chat);
        if (!req.Stream) return Json(MockWriter.Completion(req, reply, chat, id, created));

        var events = MockWriter.StreamEvents(req, reply, chat, id, created);
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new MockSseStream(events, tokenDelayMs)),
        };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return response;
    }

    private static HttpResponseMessage Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string message)
    {
        var content = new ByteArrayContent(ErrorWriter.Serialize(message, "invalid_request_error", null));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage(status) { Content = content };
    }
}

/// <summary>The fields of a request the mock looks at.</summary>
internal sealed class MockRequest
{
    public string Model = "mock";
    public bool Stream;
    public bool IncludeUsage;
    public long? MaxTokens;
    public bool HasMessages;
    public string LastUserText = "";
    public string? LastRole;
    public string? LastToolResult;
    /// <summary>The offered tools: name and parameters schema (MockAgent picks from them).</summary>
    public List<(string Name, JsonElement Parameters)> Tools = [];
    public int PromptChars;
    public List<string> Inputs = [];
    public bool Base64;
    public int Dimensions = 16;

    public static MockRequest Parse(byte[] body)
    {
        var r = new MockRequest();
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "model" when reader.TokenType == JsonTokenType.String: r.Model = reader.GetString()!; break;
                case "stream" when reader.TokenType == JsonTokenType.True: r.Stream = true; break;
                case "max_tokens" or "max_completion_tokens" when reader.TokenType == JsonTokenType.Number: r.MaxTokens = reader.GetInt64(); break;
                case "encoding_format" when reader.TokenType == JsonTokenType.String: r.Base64 = JsonText.TextEquals(ref reader, "base64"u8); break;
                case "dimensions" when reader.TokenType == JsonTokenType.Number: r.Dimensions = Math.Clamp(reader.GetInt32(), 1, 4096); break;
                case "stream_options" when reader.TokenType == JsonTokenType.StartObject:
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var usage = JsonText.TextEquals(ref reader, "include_usage"u8);
                        reader.Read();
                        if (usage) r.IncludeUsage = reader.TokenType == JsonTokenType.True; else reader.Skip();
                    }
                    break;
                case "messages" when reader.TokenType == JsonTokenType.StartArray:
                    r.HasMessages = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject) r.ReadMessage(ref reader);
                    break;
                case "tools" when reader.TokenType == JsonTokenType.StartArray:
                    using (var doc = JsonDocument.ParseValue(ref reader))
                    {
                        foreach (var tool in doc.RootElement.EnumerateArray())
                        {
                            if (tool.TryGetProperty("function", out var f) && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                            {
                                r.Tools.Add((n.GetString()!, f.TryGetProperty("parameters", out var p) ? p.Clone() : default));
                            }
                        }
                    }
                    break;
                case "prompt" or "input":
                    r.ReadInputs(ref reader, name == "prompt");
                    break;
                default: reader.Skip(); break;
            }
        }
        return r;
    }

    private void ReadMessage(ref Utf8JsonReader reader)
    {
        string? role = null, text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "role" && reader.TokenType == JsonTokenType.String) role = JsonText.ReadLenient(ref reader);
            else if (name == "content" && reader.TokenType == JsonTokenType.String) text = JsonText.ReadLenient(ref reader);
            else if (name == "content" && reader.TokenType == JsonTokenType.StartArray)
            {
                var sb = new StringBuilder();
                using var doc = JsonDocument.ParseValue(ref reader);
                foreach (var part in doc.RootElement.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String) sb.Append(t.GetString());
                }
                text = sb.ToString();
            }
            else reader.Skip();
        }
        PromptChars += text?.Length ?? 0;
        LastRole = role;
        if (role == "user") LastUserText = text ?? "";
        if (role == "tool") LastToolResult = text ?? "";
    }

    private void ReadInputs(ref Utf8JsonReader reader, bool isPrompt)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Inputs.Add(JsonText.ReadLenient(ref reader)!);
        }
        else if (reader.TokenType == JsonTokenType.StartArray)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                // Token arrays (ints, or arrays of ints) hash by their JSON text.
                Inputs.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
            }
        }
        else
        {
            reader.Skip();
        }
        foreach (var i in Inputs) PromptChars += i.Length;
        if (isPrompt) LastUserText = Inputs.Count > 0 ? Inputs[0] : "";
    }
}

/// <summary>What the mock says back: deterministic tokens, or a tool call.</summary>
internal sealed class MockReply
{
    public required List<string> Tokens;
    public required string FinishReason;
    /// <summary>Tool calls instead of text (name, JSON arguments): <see cref="MockAgent"/>.</summary>
    public List<(string Name, string Arguments)>? ToolCalls;
    public int PromptTokens;

    public static MockReply For(MockRequest req, bool chat)
    {
        var prompt = Math.Max(1, (req.PromptChars + 3) / 4);
        if (chat && req.Tools.Count > 0 && req.LastRole != "tool")
        {
            return new MockReply { Tokens = [], FinishReason = "tool_calls", ToolCalls = MockAgent.Choose(req.Tools, req.LastUserText), PromptTokens = prompt };
        }
        var said = req.LastToolResult is not null && req.LastRole == "tool"
            ? "The tool returned: " + Trim(req.LastToolResult)
            : req.LastUserText.Length > 0 ? "You said: " + Trim(req.LastUserText) : "";
        var text = $"This is a mock response from {req.Model}. {said}".TrimEnd();
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tokens = new List<string>(words.Length);
        for (var i = 0; i < words.Length; i++) tokens.Add(i == 0 ? words[i] : " " + words[i]);
        var finish = "stop";
        if (req.MaxTokens is long max && max < tokens.Count)
        {
            tokens.RemoveRange((int)max, tokens.Count - (int)max);
            finish = "length";
        }
        return new MockReply { Tokens = tokens, FinishReason = finish, PromptTokens = prompt };
    }

    private static string Trim(string s) => s.Length <= 200 ? s : s[..200];
}

/// <summary>Serializes mock responses with <see cref="Utf8JsonWriter"/> (no reflection).</summary>
internal static class MockWriter
{
    public static byte[] Completion(MockRequest req, MockReply reply, bool chat, long id, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, (chat ? "chatcmpl-mock-" : "cmpl-mock-") + id);
            w.WriteString("object"u8, chat ? "chat.completion" : "text_completion");
            w.WriteNumber("created"u8, created);
            w.WriteString("model"u8, req.Model);
            w.WriteStartArray("choices"u8);
            w.WriteStartObject();
            w.WriteNumber("index"u8, 0);
            if (chat)
            {
                w.WriteStartObject("message"u8);
                w.WriteString("role"u8, "assistant");
                if (reply.ToolCalls is null) w.WriteString("content"u8, string.Concat(reply.Tokens)); else w.WriteNull("content"u8);
                if (reply.ToolCalls is not null) WriteToolCalls(w, reply, id, withIndex: false);
                w.WriteNull("refusal"u8);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("text"u8, string.Concat(reply.Tokens));
            }
            w.WriteNull("logprobs"u8);
            w.WriteString("finish_reason"u8, reply.FinishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, reply.PromptTokens, OutputTokens(reply));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static List<byte[]> StreamEvents(MockRequest req, MockReply reply, bool chat, long id, long created)
    {
        var events = new List<byte[]>(reply.Tokens.Count + 4);
        var idText = (chat ? "chatcmpl-mock-" : "cmpl-mock-") + id;
        if (chat)
        {
            events.Add(Chunk(req, idText, created, chat, w =>
            {
                w.WriteString("role"u8, "assistant");
                w.WriteString("content"u8, "");
            }, null));
        }
        if (reply.ToolCalls is not null)
        {
            events.Add(Chunk(req, idText, created, chat, w => WriteToolCalls(w, reply, id, withIndex: true), null));
        }
        foreach (var token in reply.Tokens)
        {
            events.Add(chat
                ? Chunk(req, idText, created, chat, w => w.WriteString("content"u8, token), null)
                : Chunk(req, idText, created, chat, w => w.WriteString("text"u8, token), null));
        }
        events.Add(Chunk(req, idText, created, chat, chat ? _ => { } : w => w.WriteString("text"u8, ""), reply.FinishReason));
        if (req.IncludeUsage)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("id"u8, idText);
                w.WriteString("object"u8, chat ? "chat.completion.chunk" : "text_completion");
                w.WriteNumber("created"u8, created);
                w.WriteString("model"u8, req.Model);
                w.WriteStartArray("choices"u8);
                w.WriteEndArray();
                WriteUsage(w, reply.PromptTokens, OutputTokens(reply));
                w.WriteEndObject();
            }
            events.Add(Frame(buffer.WrittenSpan));
        }
        events.Add("data: [DONE]\n\n"u8.ToArray());
        return events;
    }

    public static byte[] Embeddings(MockRequest req)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var tokens = 0;
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("object"u8, "list");
            w.WriteStartArray("data"u8);
            var vector = new float[req.Dimensions];
            for (var i = 0; i < req.Inputs.Count; i++)
            {
                Embed(req.Inputs[i], vector);
                tokens += Math.Max(1, (req.Inputs[i].Length + 3) / 4);
                w.WriteStartObject();
                w.WriteString("object"u8, "embedding");
                w.WriteNumber("index"u8, i);
                if (req.Base64)
                {
                    w.WriteBase64String("embedding"u8, System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()));
                }
                else
                {
                    w.WriteStartArray("embedding"u8);
                    foreach (var f in vector) w.WriteNumberValue(f);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("model"u8, req.Model);
            w.WriteStartObject("usage"u8);
            w.WriteNumber("prompt_tokens"u8, tokens);
            w.WriteNumber("total_tokens"u8, tokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A unit vector derived from the text by FNV-1a and xorshift: same text, same vector.</summary>
    internal static void Embed(string text, Span<float> vector)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            var v = (float)((h >> 11) * (1.0 / (1UL << 53)) * 2 - 1);
            vector[i] = v;
            norm += v * v;
        }
        var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
        for (var i = 0; i < vector.Length; i++) vector[i] *= scale;
    }

    private static int OutputTokens(MockReply reply) => reply.ToolCalls is null ? reply.Tokens.Count : 8 * reply.ToolCalls.Count;

    private static void WriteToolCalls(Utf8JsonWriter w, MockReply reply, long id, bool withIndex)
    {
        w.WriteStartArray("tool_calls"u8);
        for (var i = 0; i < reply.ToolCalls!.Count; i++)
        {
            w.WriteStartObject();
            if (withIndex) w.WriteNumber("index"u8, i);
            // The first call keeps the id callers already know (call_mock_<n>); more calls in one turn add their index.
            w.WriteString("id"u8, i == 0 ? "call_mock_" + id : $"call_mock_{id}_{i}");
            w.WriteString("type"u8, "function");
            w.WriteStartObject("function"u8);
            w.WriteString("name"u8, reply.ToolCalls[i].Name);
            w.WriteString("arguments"u8, reply.ToolCalls[i].Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteUsage(Utf8JsonWriter w, int prompt, int completion)
    {
        w.WriteStartObject("usage"u8);
        w.WriteNumber("prompt_tokens"u8, prompt);
        w.WriteNumber("completion_tokens"u8, completion);
        w.WriteNumber("total_tokens"u8, prompt + completion);
        w.WriteEndObject();
    }

    private static byte[] Chunk(MockRequest req, string id, long created, bool chat, Action<Utf8JsonWriter> delta, string? finish)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, id);
            w.WriteString("object"u8, chat ? "chat.completion.chunk" : "text_completion");
            w.WriteNumber("created"u8, created);
            w.WriteString("model"u8, req.Model);
            w.WriteStartArray("choices"u8);
            w.WriteStartObject();
            w.WriteNumber("index"u8, 0);
            if (chat)
            {
                w.WriteStartObject("delta"u8);
                delta(w);
                w.WriteEndObject();
            }
            else
            {
                delta(w);
            }
            w.WriteNull("logprobs"u8);
            if (finish is null) w.WriteNull("finish_reason"u8); else w.WriteString("finish_reason"u8, finish);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Frame(buffer.WrittenSpan);
    }

    private static byte[] Frame(ReadOnlySpan<byte> json)
    {
        var frame = new byte[json.Length + 8];
        "data: "u8.CopyTo(frame);
        json.CopyTo(frame.AsSpan(6));
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }
}

/// <summary>Hands out pre-built SSE events, waiting the token delay before each one after the first.</summary>
internal sealed class MockSseStream(List<byte[]> events, int delayMs) : Stream
{
    private int _event;
    private int _offset;
    private bool _waited;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_event >= events.Count) return 0;
        if (_offset == 0 && _event > 0 && delayMs > 0 && !_waited)
        {
            await Task.Delay(delayMs, ct).ConfigureAwait(false);
            _waited = true;
        }
        // A zero-byte read (SsePump uses them) waits for the next event without consuming it or its delay.
        if (buffer.IsEmpty) return 0;
        var current = events[_event];
        var n = Math.Min(buffer.Length, current.Length - _offset);
        current.AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        if (_offset == current.Length)
        {
            _event++;
            _offset = 0;
            _waited = false;
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
