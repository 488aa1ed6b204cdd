namespace Gateway.Tracing;

/// <summary>OTLP transports (OTEL_EXPORTER_OTLP_*_PROTOCOL values <c>http/protobuf</c> and <c>grpc</c>).</summary>
internal enum OtlpProtocol
{
    HttpProtobuf,
    Grpc,
}
