using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Providers;

/// <summary><c>POST /v1/responses</c> and <c>POST /v1/rerank</c>: pass-through with routing and spans; the mock reranks.</summary>
public sealed class ResponsesAndRerankTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync($$"""
            server:
              sse_keepalive_ms: 0
            providers:
              - name: fake
                type: openai
                base_url: {{_upstream.BaseUrl}}
                api_key: sk-up
                models:
                  - name: gpt-4o
                    upstream_model: gpt-4o-2024
                  - name: reranker
                    upstream_model: bge-reranker
                    types: [rerank]
              - name: mock
                type: mock
                models:
                  - name: rerank
                    types: [rerank]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string ResponseJson = """{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o-2024","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":11,"output_tokens":2,"total_tokens":13,"input_tokens_details":{"cached_tokens":4}}}""";

    private Task<HttpResponseMessage> PostAsync(string path, string body, bool stream = false) =>
        _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") },
            stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);

    [Fact]
    public async Task Responses_PassThrough_WithTheCreateModelResponseSpan()
    {
        _upstream.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync(ResponseJson);
        };

        using var response = await PostAsync("/v1/responses", """{"model":"fake/gpt-4o","input":"hi","x_vendor":{"keep":true}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResponseJson, await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/responses", sent.Path);
        Assert.Equal("""{"model":"gpt-4o-2024","input":"hi","x_vendor":{"keep":true}}""", sent.BodyText);
        var model = await SpanAsync("Model");
        Assert.Equal("CreateModelResponse", model.GetProperty("tfy.model.request_type").GetString());
        Assert.Equal(11, model.GetProperty("tfy.model.metric.input_tokens").GetInt64());
        Assert.Equal(4, model.GetProperty("tfy.model.metric.cache_read_input_tokens").GetInt64());
        Assert.Equal(2, model.GetProperty("tfy.model.metric.output_tokens").GetInt64());
    }

    private static readonly string[] s_responseEvents =
    [
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_2\",\"status\":\"in_progress\",\"model\":\"gpt-4o-2024\"}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\"}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"lo\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_2\",\"status\":\"completed\",\"model\":\"gpt-4o-2024\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2,\"total_tokens\":7}}}\n\n",
    ];

    [Fact]
    public async Task Responses_Streaming_PassesThroughByteForByte_AndCompletesWithoutDone()
    {
        _upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "text/event-stream";
            foreach (var e in s_responseEvents)
            {
                await ctx.Response.WriteAsync(e);
                await ctx.Response.Body.FlushAsync();
            }
        };

        using var response = await PostAsync("/v1/responses", """{"model":"fake/gpt-4o","input":"hi","stream":true}""", stream: true);
        var (body, truncated) = await Sse.ReadRawAsync(response);

        Assert.False(truncated);
        Assert.Equal(string.Concat(s_responseEvents), body);
        var model = await SpanAsync("Model");
        Assert.True(model.GetProperty("tfy.model.metric.time_to_first_token_in_ms").GetDouble() > 0);
        Assert.Equal(2, model.GetProperty("tfy.model.metric.output_tokens").GetInt64());
    }

    [Fact]
    public async Task Responses_StreamCutMidway_EndsWithAnErrorEvent()
    {
        _upstream.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.WriteAsync(s_responseEvents[0] + s_responseEvents[1]);
        };

        using var response = await PostAsync("/v1/responses", """{"model":"fake/gpt-4o","input":"hi","stream":true}""", stream: true);
        var (body, truncated) = await Sse.ReadRawAsync(response);

        Assert.True(truncated);
        Assert.Contains("\"code\":\"stream_interrupted\"", body);
    }

    [Fact]
    public async Task Rerank_PassThrough_WithTheRerankSpanType()
    {
        const string answer = """{"id":"r","model":"bge-reranker","results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}],"usage":{"total_tokens":9}}""";
        _upstream.Handler = (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync(answer);
        };

        using var response = await PostAsync("/v1/rerank", """{"model":"fake/reranker","query":"q","documents":["a","b"],"top_n":2}""");

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/rerank", sent.Path);
        Assert.Equal("""{"model":"bge-reranker","query":"q","documents":["a","b"],"top_n":2}""", sent.BodyText);
        var root = await SpanAsync("rerank");
        Assert.Equal("Rerank", root.GetProperty("tfy.span_type").GetString());
        Assert.Equal("Rerank", (await SpanAsync("Model")).GetProperty("tfy.model.request_type").GetString());
    }

    [Fact]
    public async Task Rerank_ByAChatModel_Is400()
    {
        using var response = await PostAsync("/v1/rerank", """{"model":"fake/gpt-4o","query":"q","documents":["a"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not support rerank requests", await response.Content.ReadAsStringAsync());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Rerank_TheMockRanksByQueryWords()
    {
        using var response = await PostAsync("/v1/rerank", """{"model":"mock/rerank","query":"capital of France","documents":["Berlin is in Germany","Paris is the capital of France",{"text":"the capital"}],"top_n":2}""");

        var results = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]!.AsArray();
        Assert.Equal([1, 2], results.Select(r => (int)r!["index"]!));
        Assert.Equal(1.0, (double)results[0]!["relevance_score"]!);
        Assert.Equal("the capital", (string?)results[1]!["document"]!["text"]);
    }

    private async Task<JsonElement> SpanAsync(string name)
    {
        var spans = await Poll.ForAsync(() => _gateway.QuerySpansAsync(""), s => s.Any(x => x.GetProperty("spanName").GetString() == name), _ => $"no {name} span stored");
        return spans.Last(x => x.GetProperty("spanName").GetString() == name).GetProperty("spanAttributes");
    }
}
