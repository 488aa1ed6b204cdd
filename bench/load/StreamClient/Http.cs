using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace StreamClient;

internal static class Http
{
    /// <summary>HTTP/1.1, no pooling limits, no proxies, no decompression: the client adds as little as it can.</summary>
    public static HttpClient Client(TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
    })
    {
        Timeout = timeout ?? Timeout.InfiniteTimeSpan,
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public static byte[] ChatBody(string model, bool stream, string prompt)
    {
        var json = new StringBuilder(256);
        json.Append("{\"model\":\"").Append(model).Append("\",\"messages\":[{\"role\":\"user\",\"content\":\"")
            .Append(prompt).Append("\"}]");
        if (stream) json.Append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    public static HttpRequestMessage Post(string url, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }
}
