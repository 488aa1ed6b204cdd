using Gateway.Tracing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Tracing;

/// <summary>The one helper every URL on a span goes through: no user info, no query, no fragment.</summary>
public sealed class SpanUrlTests
{
    [Theory]
    [InlineData("https://user:pa55@api.example.com/v1/chat/completions?key=k-123#frag", "https://api.example.com/v1/chat/completions")]
    [InlineData("http://127.0.0.1:8081/openai/deployments/gpt/chat/completions?api-version=2024-10-21&api-key=k", "http://127.0.0.1:8081/openai/deployments/gpt/chat/completions")]
    [InlineData("https://api.example.com/v1/a%20b", "https://api.example.com/v1/a%20b")]
    public void Keeps_scheme_host_port_and_path_only(string url, string expected)
    {
        Assert.Equal(expected, SpanUrl.Of(new Uri(url)));
    }

    [Fact]
    public void Upstream_url_tags_are_built_once_per_url_and_written_as_SpanUrl_writes_them()
    {
        var url = new Uri("https://user:pa55@api.example.com:8443/v1/chat/completions?key=k-123");
        var cached = new UpstreamUrlTags(url);

        Assert.Equal("https://api.example.com:8443/v1/chat/completions", cached.Full);
        Assert.Equal("api.example.com", cached.Host);
        Assert.Equal(8443, cached.Port);
        Assert.Same(cached, UpstreamUrlTags.Of(url, cached));
        // Another URL (a test's own, a changed config) gets its own tags, never the cached ones.
        var other = UpstreamUrlTags.Of(new Uri("http://127.0.0.1:9/v1/embeddings"), cached);
        Assert.Equal(("http://127.0.0.1:9/v1/embeddings", "127.0.0.1", 9), (other.Full, other.Host, (int)other.Port));
    }

    [Fact]
    public void The_gateways_own_request_url_has_no_query()
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 8080);
        context.Request.Path = "/v1/chat/completions";
        context.Request.QueryString = new QueryString("?api_key=sk-123");
        Assert.Equal("http://127.0.0.1:8080/v1/chat/completions", SpanUrl.Of(context.Request));
    }
}
