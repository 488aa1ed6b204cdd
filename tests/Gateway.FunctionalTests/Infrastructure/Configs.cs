namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>YAML configs the tests share.</summary>
public static class Configs
{
    /// <summary>One OpenAI-compatible provider <c>fake</c> at the upstream, serving fake/gpt-4o (upstream name gpt-4o-2024).</summary>
    public static string OneUpstream(FakeUpstream upstream, string server = "") => $$"""
        server:
          sse_keepalive_ms: 0
        {{server}}
        providers:
          - name: fake
            type: openai
            base_url: {{upstream.BaseUrl}}
            api_key: sk-test-provider-key
            models:
              - name: gpt-4o
                upstream_model: gpt-4o-2024
                types: [chat, completion]
              - name: embed
                upstream_model: text-embedding-3-small
                types: [embedding]
          - name: mock
            type: mock
            token_delay_ms: 1
            models:
              - name: echo
        """;

    /// <summary>
    /// One provider <c>fake</c> at the upstream serving fake/gpt-4o at <paramref name="price"/> (the budget tests; at the
    /// default $250 / $250 per million tokens an answer of 5 prompt + 3 completion tokens costs exactly $0.002).
    /// </summary>
    public static string Priced(FakeUpstream upstream, string price = "{input_per_million_tokens: 250, output_per_million_tokens: 250}") => $$"""
        server:
          sse_keepalive_ms: 0
        providers:
          - name: fake
            type: openai
            base_url: {{upstream.BaseUrl}}
            api_key: sk-test
            models:
              - name: gpt-4o
                upstream_model: gpt-4o-2024
                price: {{price}}
        """;
}
