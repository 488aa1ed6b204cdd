using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

public sealed class StreamingTests : UpstreamGatewayTest
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private const string StreamRequest = """{"model":"fake/gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

    private async Task<HttpResponseMessage> PostStreamAsync(string json = StreamRequest, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(json) };
        configure?.Invoke(request);
        return await Gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task StreamWithUsage_ForwardsEveryEventByteForByte()
    {
        string[] payloads = [Sse.Chunk("Hel"), Sse.Chunk("lo"), Sse.Chunk("", "stop"), Sse.Usage];
        Upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, payloads, delayMs: 5);

        using var response = await PostStreamAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = await Sse.ReadAllAsync(response);
        Assert.Equal([.. payloads, "[DONE]"], events);
        var sent = JsonDocument.Parse(Assert.Single(Upstream.Requests).Body).RootElement;
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("gpt-4o-2024", sent.GetProperty("model").GetString());
    }

    [Fact]
    public async Task EventsAreFlushedAsTheyArrive_NotBuffered()
    {
        var release = new TaskCompletionSource();
        Upstream.Handler = async (ctx, _) =>
        {
            await Sse.WriteAsync(ctx, [Sse.Chunk("first")], done: false);
            await release.Task.WaitAsync(ctx.RequestAborted);
            await Sse.WriteAsync(ctx, [Sse.Chunk("", "stop")]);
        };

        using var response = await PostStreamAsync();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var firstLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("data: " + Sse.Chunk("first"), firstLine);
        release.SetResult();
        Assert.Contains("[DONE]", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task StreamCutInHalf_ClientGetsAnErrorEvent()
    {
        // A reset discards bytes the peer has not read yet: the connection dies only once the client has
        // the first event, so the gateway has read it.
        var clientHasFirstEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Handler = async (ctx, _) =>
        {
            await Sse.WriteAsync(ctx, [Sse.Chunk("partial")], done: false);
            // Half an event, then the connection dies.
            await ctx.Response.Body.WriteAsync("data: {\"id\":\"chatcmpl-s\",\"cho"u8.ToArray());
            await ctx.Response.Body.FlushAsync();
            await clientHasFirstEvent.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };

        using var response = await PostStreamAsync();
        var events = await Sse.ReadAllAsync(response, _ => clientHasFirstEvent.TrySetResult());

        Assert.True(events.Count >= 3, $"{response.StatusCode}: {string.Join(" | ", events)}");
        Assert.Equal(Sse.Chunk("partial"), events[0]);
        Assert.Equal(Sse.Truncated, events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Equal("stream_interrupted", error.GetProperty("code").GetString());
        Assert.DoesNotContain("[DONE]", events);
    }

    [Fact]
    public async Task StreamEndingWithoutDoneOrFinishReason_IsReportedAsInterrupted()
    {
        Upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, [Sse.Chunk("a")], done: false);

        using var response = await PostStreamAsync();
        var events = await Sse.ReadAllAsync(response);

        Assert.Contains("stream_interrupted", events[^2]);
        Assert.Equal(Sse.Truncated, events[^1]);
    }

    [Fact]
    public async Task UpstreamErrorStatusOnStreamRequest_IsReturnedAsJsonWithItsStatus()
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.StatusCode = 429;
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.RetryAfter = "7";
            await ctx.Response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded","param":null}}""");
        };

        using var response = await PostStreamAsync();

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("7", response.Headers.RetryAfter!.ToString());
        Assert.Contains("rate_limit_exceeded", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TtftTimeoutHeader_EndsAStalledStreamWith504()
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        };

        var started = DateTime.UtcNow;
        using var response = await PostStreamAsync(configure: r => r.Headers.Add("x-tfy-ttft-timeout-ms", "300"));
        var events = await Sse.ReadAllAsync(response);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        // Headers arrived (so the 200 event stream is committed); the timeout comes as an error event.
        Assert.Equal(Sse.Truncated, events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Equal("upstream_timeout", error.GetProperty("code").GetString());
        Assert.Contains("time to first token", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task TtftTimeoutBeforeUpstreamHeaders_Gives504Json()
    {
        Upstream.Handler = (ctx, _) => Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);

        using var response = await PostStreamAsync(configure: r => r.Headers.Add("x-tfy-ttft-timeout-ms", "300"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("time to first token", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("x-tfy-request-timeout", "soon")]
    [InlineData("x-tfy-ttft-timeout-ms", "-5")]
    public async Task MalformedTimeoutHeader_Is400(string header, string value)
    {
        using var response = await PostStreamAsync(configure: r => r.Headers.TryAddWithoutValidation(header, value));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(header, await response.Content.ReadAsStringAsync());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task StalledBeforeHeaders_RequestTimeoutGives504()
    {
        Upstream.Handler = (ctx, _) => Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);

        using var response = await PostStreamAsync(configure: r => r.Headers.Add("x-tfy-request-timeout", "300"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("upstream_timeout", error.GetProperty("code").GetString());
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ClientDisconnect_CancelsTheUpstreamRequest()
    {
        var upstreamCancelled = new TaskCompletionSource();
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.RequestAborted.Register(() => upstreamCancelled.TrySetResult());
            await Sse.WriteAsync(ctx, [Sse.Chunk("x")], done: false);
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        };

        var response = await PostStreamAsync();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        _ = await stream.ReadAsync(buffer);
        response.Dispose(); // the client goes away mid-stream

        await upstreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task KeepalivesAreSentWhileWaitingForTheFirstToken()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(upstream).Replace("sse_keepalive_ms: 0", "sse_keepalive_ms: 100"));
        // The upstream moves on only when the client has seen keepalives: two before the upstream's headers,
        // two more after them and before the first token.
        var keepalives = 0;
        var seen = new ConcurrentQueue<(int Count, TaskCompletionSource Signal)>();
        Task KeepalivesSeen(int count)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            seen.Enqueue((count, signal));
            if (Volatile.Read(ref keepalives) >= count) signal.TrySetResult();
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        upstream.Handler = async (ctx, _) =>
        {
            await KeepalivesSeen(2); // before headers
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.Body.FlushAsync();
            await KeepalivesSeen(Volatile.Read(ref keepalives) + 2); // after headers, before the first token
            await Sse.WriteAsync(ctx, [Sse.Chunk("late", "stop")]);
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(StreamRequest) };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await Sse.ReadAllAsync(response, e =>
        {
            if (e != ": keepalive") return;
            var n = Interlocked.Increment(ref keepalives);
            foreach (var (count, signal) in seen) if (n >= count) signal.TrySetResult();
        });

        Assert.True(events.Count(e => e == ": keepalive") >= 4, string.Join(" | ", events));
        Assert.Equal(Sse.Chunk("late", "stop"), events[^2]);
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task UpstreamErrorAfterKeepalivesCommittedTheStream_BecomesAnErrorEvent()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(Configs.OneUpstream(upstream).Replace("sse_keepalive_ms: 0", "sse_keepalive_ms: 100"));
        // The upstream fails only once the client has a keepalive: the stream is committed with a 200.
        var firstKeepalive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        upstream.Handler = async (ctx, _) =>
        {
            await firstKeepalive.Task.WaitAsync(TimeSpan.FromSeconds(10), ctx.RequestAborted);
            ctx.Response.StatusCode = 500;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"error":{"message":"boom","type":"server_error"}}""");
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(StreamRequest) };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await Sse.ReadAllAsync(response, e =>
        {
            if (e == ": keepalive") firstKeepalive.TrySetResult();
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(": keepalive", events[0]);
        Assert.Equal(Sse.Truncated, events[^1]);
        var error = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        Assert.Contains("boom", error.GetProperty("message").GetString());
    }
}
