namespace Gateway.Tracing;

/// <summary><c>tfy.model.request_type</c> values beyond the span types (reference/truefoundry.md, "Model").</summary>
internal static class RequestTypes
{
    public const string CreateModelResponse = "CreateModelResponse";
}
