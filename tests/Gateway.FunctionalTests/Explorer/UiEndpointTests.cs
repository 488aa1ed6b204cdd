using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Explorer;

/// <summary>
/// The trace explorer's files (issue #16), served from the executable: index.html for every path
/// under /ui (deep links), assets with their types, ETags and gzip, no key needed even when the
/// gateway has keys. tests/browser drives the page itself in Chromium.
/// </summary>
public sealed class UiEndpointTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync("""
        auth:
          api_keys:
            - {key: "${UI_TEST_KEY}", subject: "user:ui@example.com"}
        providers:
          - {name: mock, type: mock, models: [echo]}
        """, new Dictionary<string, string> { ["UI_TEST_KEY"] = "sk-ui-endpoint-test" });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("/ui")]
    [InlineData("/ui/")]
    [InlineData("/ui/traces/0123456789abcdef0123456789abcdef")]
    [InlineData("/ui/anything/else?range=24h")]
    public async Task Every_page_path_serves_index_html_without_a_key(string path)
    {
        using var response = await _gateway.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<main id=\"main\">", await response.Content.ReadAsStringAsync());
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Every_asset_the_page_references_is_embedded_with_its_type()
    {
        var index = await _gateway.Client.GetStringAsync("/ui/");
        var referenced = Regex.Matches(index, "(?:src|href)=\"(/ui/assets/[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/ui/assets/app.js", referenced);
        Assert.Contains("/ui/assets/app.css", referenced);
        foreach (var path in referenced)
        {
            using var response = await _gateway.Client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, path);
            var expected = Path.GetExtension(path) switch { ".js" => "text/javascript", ".css" => "text/css", ".svg" => "image/svg+xml", _ => "?" };
            Assert.Equal(expected, response.Content.Headers.ContentType!.MediaType);
        }
        // Modules import each other by relative path: each import names an embedded file.
        foreach (var module in referenced.Where(p => p.EndsWith(".js", StringComparison.Ordinal)))
        {
            var source = await _gateway.Client.GetStringAsync(module);
            foreach (Match import in Regex.Matches(source, "from '\\./([^']+)'"))
            {
                using var imported = await _gateway.Client.GetAsync("/ui/assets/" + import.Groups[1].Value);
                Assert.True(imported.StatusCode == HttpStatusCode.OK, $"{module} imports {import.Groups[1].Value}");
            }
        }
    }

    [Fact]
    public async Task Assets_revalidate_with_their_etag_and_come_gzipped_when_asked()
    {
        using var plain = await _gateway.Client.GetAsync("/ui/assets/app.css");
        var etag = plain.Headers.ETag!;
        Assert.False(etag.IsWeak);
        var body = await plain.Content.ReadAsByteArrayAsync();

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/ui/assets/app.css");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _gateway.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, "/ui/assets/app.css");
        gzipRequest.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var gzipped = await _gateway.Client.SendAsync(gzipRequest);
        Assert.Equal("gzip", gzipped.Content.Headers.ContentEncoding.Single());
        Assert.NotEqual(etag, gzipped.Headers.ETag);
        var compressed = await gzipped.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < body.Length);
        using var unzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        using var unzipped = new MemoryStream();
        await unzip.CopyToAsync(unzipped);
        Assert.Equal(body, unzipped.ToArray());
    }

    [Fact]
    public async Task Unknown_assets_are_404_and_writes_are_405()
    {
        using var missing = await _gateway.Client.GetAsync("/ui/assets/missing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var post = await _gateway.Client.PostAsync("/ui/", new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        // Only /ui and below: a path that merely starts with the letters is not the explorer, and needs a key.
        using var other = await _gateway.Client.GetAsync("/uix");
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        // The page's data does need the key.
        using var query = await _gateway.Client.PostAsync("/api/svc/v1/spans/query", new StringContent("""{"startTime":"2025-01-01T00:00:00Z"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, query.StatusCode);
    }
}
