namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>Configs for routing tests: providers a, b, c... one per fake upstream, each serving model m as &lt;name&gt;-model.</summary>
public static class RoutingConfigs
{
    public static string Providers(params FakeUpstream[] upstreams)
    {
        var sb = new System.Text.StringBuilder("providers:\n");
        for (var i = 0; i < upstreams.Length; i++)
        {
            var name = (char)('a' + i);
            sb.Append($"""
                  - name: {name}
                    type: openai
                    base_url: {upstreams[i].BaseUrl}
                    models:
                      - name: m
                        upstream_model: {name}-model
                        types: [chat, completion]

                """);
        }
        return sb.ToString();
    }

    /// <summary>A full config: server options (keepalives off unless given), providers, then the rest.</summary>
    public static string With(FakeUpstream[] upstreams, string rest, string server = "sse_keepalive_ms: 0") =>
        "server:\n  " + server.Replace("\n", "\n  ") + "\n" + Providers(upstreams) + rest;
}
