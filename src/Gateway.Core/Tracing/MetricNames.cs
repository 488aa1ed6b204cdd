namespace Gateway.Tracing;

/// <summary>Metric names and attribute keys of the GenAI conventions (../shared/reference/genai-semconv.md).</summary>
internal static class MetricNames
{
    public const string TokenUsage = "gen_ai.client.token.usage";
    public const string OperationDuration = "gen_ai.client.operation.duration";
    public const string TimeToFirstToken = "gen_ai.server.time_to_first_token";
    public const string TimePerOutputToken = "gen_ai.server.time_per_output_token";

    public const string TokenType = "gen_ai.token.type";
    public const string TokenTypeInput = "input";
    public const string TokenTypeOutput = "output";
}
