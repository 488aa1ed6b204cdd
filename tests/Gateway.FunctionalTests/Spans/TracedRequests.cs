using System.Diagnostics;
using Gateway.Tracing;

namespace Gateway.FunctionalTests.Spans;

/// <summary>
/// Makes the spans of one chat completion through the gateway's real ActivitySource, with the
/// attributes the tracing code sets (seed 003): root chatCompletions with the subject, teams,
/// project, model and metadata; a Model child; a Network Call grandchild.
/// </summary>
public static class TracedRequests
{
    public sealed record Request(string TraceId, string RootId, string ModelId, string NetworkId, DateTimeOffset Start)
    {
        public IEnumerable<string> SpanIds => [RootId, ModelId, NetworkId];
    }

    /// <param name="owner">Marks the tree as a gateway's would be (<see cref="TracingListener.OwnerProperty"/>), so only that owner's store keeps it.</param>
    public static Request ChatCompletion(string subject, string project, DateTimeOffset start, string[]? teams = null, string model = "mock/echo", string? metadata = null, object? owner = null)
    {
        var source = GatewayActivitySource.Instance;
        // Start from no parent even if a test runs inside another activity.
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            Activity root, modelSpan, network;
            using (root = source.StartActivity(SpanNames.ChatCompletions, ActivityKind.Server, default(ActivityContext), startTime: start)!)
            {
                Assert.NotNull(root);
                if (owner is not null) root.SetCustomProperty(TracingListener.OwnerProperty, owner);
                root.SetTag(SpanAttributes.TfySpanType, SpanTypes.ChatCompletion);
                root.SetTag(SpanAttributes.TfyRequestCreatedBySubject, subject);
                root.SetTag(SpanAttributes.TfyRequestCreatedBySubjectTeams, teams ?? []);
                root.SetTag(SpanAttributes.TfyTracingProjectFqn, project);
                root.SetTag(SpanAttributes.TfyRequestModelName, model);
                root.SetTag(SpanAttributes.GenAiRequestModel, model);
                if (metadata is not null) root.SetTag(SpanAttributes.TfyRequestMetadata, metadata);
                using (modelSpan = source.StartActivity(SpanNames.Model, ActivityKind.Internal, default(ActivityContext), startTime: start.AddMilliseconds(1))!)
                {
                    modelSpan.SetTag(SpanAttributes.TfySpanType, SpanTypes.Model);
                    modelSpan.SetTag(SpanAttributes.TfyModelName, model);
                    modelSpan.SetTag(SpanAttributes.TfyModelMetricInputTokens, 12);
                    modelSpan.SetTag(SpanAttributes.TfyModelMetricCostInUsd, 0.0001);
                    using (network = source.StartActivity(SpanNames.NetworkCall, ActivityKind.Client, default(ActivityContext), startTime: start.AddMilliseconds(2))!)
                    {
                        network.SetTag(SpanAttributes.HttpResponseStatusCode, 200);
                        network.SetEndTime(start.AddMilliseconds(40).UtcDateTime);
                    }
                    modelSpan.SetEndTime(start.AddMilliseconds(45).UtcDateTime);
                }
                root.SetEndTime(start.AddMilliseconds(50).UtcDateTime);
            }
            return new Request(root.TraceId.ToHexString(), root.SpanId.ToHexString(), modelSpan.SpanId.ToHexString(), network.SpanId.ToHexString(), start);
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
