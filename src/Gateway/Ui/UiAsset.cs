namespace Gateway.Ui;

/// <summary>One file of the trace explorer, held in memory as the binary carries it, with its gzip form when that is smaller.</summary>
internal sealed class UiAsset(string contentType, byte[] content, byte[]? gzip, string etag)
{
    public string ContentType { get; } = contentType;
    public byte[] Content { get; } = content;
    public byte[]? Gzip { get; } = gzip;
    /// <summary>A strong validator of <see cref="Content"/>; the gzip form's is the same with a <c>-gz</c> suffix.</summary>
    public string ETag { get; } = etag;
    public string GzipETag => ETag[..^1] + "-gz\"";
}
