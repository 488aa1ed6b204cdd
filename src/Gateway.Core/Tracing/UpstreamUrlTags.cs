namespace Gateway.Tracing;

/// <summary>
/// The span attributes of an upstream URL (<c>url.full</c> and <c>tfy.model.request_url</c>, <c>server.address</c>,
/// <c>server.port</c>), built once per target URL when the config loads (<see cref="Routing.ModelTarget"/>) rather
/// than on every attempt: the URL string cost 104 B and the boxed port 24 B per attempt (issue #11).
/// </summary>
internal sealed class UpstreamUrlTags(Uri url)
{
    public Uri Url { get; } = url;
    /// <summary>The URL as <see cref="SpanUrl"/> writes it (no user info, no query).</summary>
    public string Full { get; } = SpanUrl.Of(url)!;
    public string Host { get; } = url.Host;
    public object Port { get; } = url.Port;

    /// <summary>The <paramref name="cached"/> tags when they are those of <paramref name="url"/> (the same instance), else new ones.</summary>
    public static UpstreamUrlTags Of(Uri url, UpstreamUrlTags? cached) =>
        cached is not null && ReferenceEquals(cached.Url, url) ? cached : new UpstreamUrlTags(url);
}
