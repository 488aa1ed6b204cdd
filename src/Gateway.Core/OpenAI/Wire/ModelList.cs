namespace Gateway.OpenAI.Wire;

/// <summary>The <c>GET /v1/models</c> body.</summary>
internal sealed record ModelList(string Object, IReadOnlyList<ModelList.Model> Data)
{
    internal sealed record Model(string Id, string Object, long Created, string OwnedBy);
}
