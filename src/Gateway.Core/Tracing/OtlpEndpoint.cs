namespace Gateway.Tracing;

/// <summary>Where one signal is exported. <see cref="Headers"/> may hold collector credentials: never log it.</summary>
internal sealed record OtlpEndpoint(Uri Url, OtlpProtocol Protocol, string? Headers, int TimeoutMs)
{
    public override string ToString() => $"{Url} ({(Protocol == OtlpProtocol.Grpc ? "grpc" : "http/protobuf")})";
}
