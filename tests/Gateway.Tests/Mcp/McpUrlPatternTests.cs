using Gateway.Config;

namespace Gateway.Tests.Mcp;

public sealed class McpUrlPatternTests
{
    [Theory]
    [InlineData("http://127.0.0.1:*/mcp", "http://127.0.0.1:3001/mcp", true)]
    [InlineData("http://127.0.0.1:*/mcp", "http://127.0.0.1:3001/mcp/x", false)]
    [InlineData("http://127.0.0.1:*/mcp", "http://127.0.0.1.evil.test:80/mcp", false)]
    [InlineData("https://*.example.com/*", "https://a.example.com/mcp", true)]
    // A star in the host stays in the host: it cannot swallow the port and path.
    [InlineData("https://*.example.com/*", "https://evil.test/.example.com/", false)]
    [InlineData("https://mcp.example.com", "https://mcp.example.com/any/path", true)]
    [InlineData("https://mcp.example.com", "https://mcp.example.com:8443/any", false)]
    [InlineData("https://mcp.example.com", "http://mcp.example.com/any", false)]
    [InlineData("https://mcp.example.com/*", "https://user:pw@mcp.example.com/mcp", false)]
    public void Matches(string pattern, string url, bool expected)
    {
        var parsed = McpUrlPattern.TryParse(pattern, out var error);
        Assert.Null(error);
        Assert.Equal(expected, parsed!.Matches(new Uri(url)));
    }

    [Theory]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbd", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    public void Glob(string pattern, string text, bool expected) => Assert.Equal(expected, McpUrlPattern.Glob(pattern, text));
}
