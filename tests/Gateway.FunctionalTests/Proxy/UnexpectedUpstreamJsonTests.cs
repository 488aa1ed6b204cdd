using System.Net;
using System.Text;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Proxy;

/// <summary>
/// Upstream answers whose fields hold values of unexpected types (null counts, objects for strings, strings
/// for numbers, text that is not valid Unicode): the gateway reads usage and finish reasons from the same
/// bytes, and nothing it cannot make sense of may stop those bytes from reaching the client untouched.
/// </summary>
public sealed class UnexpectedUpstreamJsonTests : UpstreamGatewayTest
{
    private static readonly string[] s_oddEvents =
    [
        """{"id":null,"model":{"x":1},"choices":[null,7,{"index":"0","delta":{"role":null,"content":{"a":1},"tool_calls":{"index":0}},"finish_reason":{"r":1}}]}""",
        """{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":"hi \ud800","tool_calls":[null,"x",{"index":null,"id":5,"function":{"name":["f"],"arguments":{"a":1}}}]},"finish_reason":null}]}""",
        """{"choices":[{"index":1e400,"delta":[],"text":{"t":1},"finish_reason":["stop"]}],"usage":{"prompt_tokens":null,"completion_tokens":"3","total_tokens":{},"prompt_tokens_details":[1]}}""",
        """{"choices":[{"index":0,"delta":{"refusal":7,"reasoning_content":[]},"finish_reason":"stop"}],"error":null}""",
        """{"choices":null,"usage":{"prompt_tokens":1.5,"completion_tokens":[1],"input_tokens":true,"prompt_tokens_details":{"cached_tokens":null}}}""",
        """{"choices":"none","usage":null}""",
        """{"choices":[],"usage":"5"}""",
    ];

    [Fact]
    public async Task Stream_WithUnexpectedTypesInEveryFieldRead_ReachesTheClientByteForByte()
    {
        var expected = string.Concat(s_oddEvents.Select(e => "data: " + e + "\n\n")) + "data: [DONE]\n\n";
        Upstream.Handler = (ctx, _) => Sse.WriteAsync(ctx, s_oddEvents);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"fake/gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };

        using var response = await Gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var (body, truncated) = await Sse.ReadRawAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(truncated);
        Assert.Equal(expected, body);
    }

    public static TheoryData<string> OddResponses => new()
    {
        """{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":null,"completion_tokens":null,"total_tokens":null}}""",
        """{"id":{"x":1},"model":[1],"choices":[null,{"index":"a","message":{"role":5,"content":["x"],"tool_calls":[1,{"id":{},"function":"f"}]},"finish_reason":7}],"usage":{"prompt_tokens":"12","completion_tokens":{"n":1},"prompt_tokens_details":"none"}}""",
        """{"choices":{"index":0},"usage":[{"prompt_tokens":1}],"error":{"message":{"m":1}}}""",
        """{"id":"c\ud800","choices":[{"index":0,"message":{"role":"assistant","content":"a\udc00","tool_calls":[{"id":"t\ud800","function":{"name":"f\ud800","arguments":"\ud800"}}]},"finish_reason":"s\ud800"}],"usage":{"prompt_tokens":-1,"completion_tokens":1e400}}""",
    };

    [Theory]
    [MemberData(nameof(OddResponses))]
    public async Task NonStream_WithUnexpectedTypes_ReachesTheClientByteForByte(string answer)
    {
        Upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer);
        };

        using var response = await Gateway.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"fake/gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
    }
}
