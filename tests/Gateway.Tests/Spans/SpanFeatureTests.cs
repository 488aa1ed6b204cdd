using System.Diagnostics;
using System.Text;
using Gateway.Config;
using Gateway.Spans;
using Gateway.Tracing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Spans;

/// <summary>Wiring from configuration: on, off, and a store that cannot open.</summary>
public sealed class SpanFeatureTests
{
    private static GatewayConfig Config(string spanStore) => ConfigLoader.Load($"""
        providers:
          - name: mock
            type: mock
            models: [echo]
        {spanStore}
        """, "test.yaml");

    [Fact]
    public async Task Disabled_store_answers_404_and_records_nothing()
    {
        await using var feature = SpanFeature.Start(Config("span_store: {enabled: false}"), _ => null, _ => SpanFeature.AnonymousAdmin, NullLogger.Instance);
        Assert.Null(feature.Store);
        Assert.Null(feature.Processor);
        var (status, body) = await feature.Handler.RunAsync(SpanFeature.AnonymousAdmin, """{"startTime":"2025-01-01T00:00:00Z"}"""u8.ToArray());
        Assert.Equal(404, status);
        Assert.Contains("span_store_disabled", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task A_store_that_cannot_open_does_not_stop_the_gateway()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-spans-bad-");
        try
        {
            // The path is a directory: SQLite cannot open it as a file (one inside the temp directory, with the lock file beside it).
            var path = directory.CreateSubdirectory("spans.db").FullName;
            await using var feature = SpanFeature.Start(Config($"span_store: {{path: '{path}'}}"), _ => null, _ => SpanFeature.AnonymousAdmin, NullLogger.Instance);
            Assert.Null(feature.Store);
            Assert.Equal(404, (await feature.Handler.RunAsync(SpanFeature.AnonymousAdmin, """{"startTime":"2025-01-01T00:00:00Z"}"""u8.ToArray())).Status);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_processor_takes_recorded_spans_of_the_gateway_source_only()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-spans-proc-");
        try
        {
            var config = Config($"span_store: {{path: '{Path.Combine(directory.FullName, "s.db")}'}}");
            // listen: false, as when a tracer provider owns the listener: nothing arrives by itself.
            await using var feature = SpanFeature.Start(config, name => name == "OTEL_SERVICE_NAME" ? "my-gateway" : null, _ => SpanFeature.AnonymousAdmin, NullLogger.Instance, listen: false);
            using var other = new ActivitySource("Not.The.Gateway");
            // Create the gateway's source before the listener looks for it.
            var gateway = GatewayActivitySource.Instance;
            using var listener = new ActivityListener
            {
                ShouldListenTo = s => s == other || s == gateway,
                Sample = (ref ActivityCreationOptions<ActivityContext> o) => o.Source == other ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
            };
            ActivitySource.AddActivityListener(listener);
            var foreign = other.StartActivity("foreign")!;
            foreign.Stop();
            var unrecorded = gateway.StartActivity("unrecorded")!;
            unrecorded.Stop();
            Assert.False(unrecorded.Recorded);
            feature.Processor!.OnEnd(foreign);
            feature.Processor.OnEnd(unrecorded);
            await feature.Store!.FlushAsync();
            Assert.Equal(0, feature.Store.Enqueued);

            using var recorded = new Activity("recorded");
            recorded.SetIdFormat(ActivityIdFormat.W3C);
            recorded.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            recorded.Start();
            recorded.Stop();
            // An Activity not made by a source has an empty Source name: not ours either.
            feature.Processor.OnEnd(recorded);
            Assert.Equal(0, feature.Store.Enqueued);
            Assert.Equal("my-gateway", feature.Store.Converter.ApplicationName);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
