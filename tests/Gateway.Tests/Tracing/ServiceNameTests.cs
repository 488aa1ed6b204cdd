using Gateway.Config;
using Gateway.Spans;
using Gateway.Tracing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Tracing;

/// <summary>
/// One service name for the OTLP export and the span store (issue #9, item 14: the documented and
/// exported default was "gateway" while the store wrote "tfy-llm-gateway").
/// </summary>
public sealed class ServiceNameTests
{
    [Theory]
    [InlineData(null, null, "tfy-llm-gateway")]
    [InlineData("llm-gateway", null, "llm-gateway")]
    [InlineData(null, "service.name=from-resource,deployment.environment=prod", "from-resource")]
    [InlineData("direct", "service.name=from-resource", "direct")]
    public async Task TheStoreAndTheExportUseTheSameServiceName(string? serviceName, string? resourceAttributes, string expected)
    {
        string? Env(string name) => name switch
        {
            "OTEL_SERVICE_NAME" => serviceName,
            "OTEL_RESOURCE_ATTRIBUTES" => resourceAttributes,
            _ => null,
        };
        var directory = Directory.CreateTempSubdirectory("gateway-service-name-");
        try
        {
            var config = ConfigLoader.Load($"""
                providers:
                  - {"{"}name: mock, type: mock, models: [echo]{"}"}
                span_store: {"{"}path: '{Path.Combine(directory.FullName, "s.db")}'{"}"}
                """, "test.yaml", _ => null);
            await using (var feature = SpanFeature.Start(config, Env, _ => SpanFeature.AnonymousAdmin, NullLogger.Instance, listen: false))
            {
                Assert.Equal(expected, OtlpSettings.FromEnvironment(Env).ServiceName);
                Assert.Equal(expected, feature.Store!.Converter.ApplicationName);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
