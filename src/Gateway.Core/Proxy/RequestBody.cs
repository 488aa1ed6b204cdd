namespace Gateway.Proxy;

/// <summary>A request body read by <see cref="RequestBodyReader"/>: the bytes, or the fact that there were too many.</summary>
internal readonly record struct RequestBody(byte[]? Buffer, int Length, bool TooLarge);
