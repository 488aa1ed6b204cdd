namespace Gateway.Config;

/// <summary>The embedded default configuration: serves real (mock) responses with no network and no file.</summary>
internal static class DefaultConfig
{
    private const string Base = """
        server:
          listen: http://127.0.0.1:8080
        providers:
          - name: mock
            type: mock
            token_delay_ms: 20
            models:
              - name: gpt-4o
                types: [chat, completion]
                price: {input_per_million_tokens: 0, output_per_million_tokens: 0}
              - name: echo
                types: [chat, completion]
                price: {input_per_million_tokens: 0, output_per_million_tokens: 0}
              - name: text-embedding-3-small
                types: [embedding]
                price: {input_per_million_tokens: 0, output_per_million_tokens: 0}

        """;

    private const string OpenAI = """
          - name: openai-main
            type: openai
            base_url: ${OPENAI_BASE_URL:-https://api.openai.com/v1}
            api_key: ${OPENAI_API_KEY}
            models:
              - gpt-4o
              - gpt-4o-mini
              - gpt-4.1
              - gpt-4.1-mini
              - o4-mini
              - text-embedding-3-small
              - text-embedding-3-large

        """;

    // Bare names clients already send: an OpenAI app asks for gpt-4o, not mock/gpt-4o.
    private const string MockAliases = """
        model_aliases:
          gpt-4o: mock/gpt-4o
          echo: mock/echo
          text-embedding-3-small: mock/text-embedding-3-small

        """;

    // With an OpenAI key the bare names are OpenAI's own models; echo stays the mock's.
    private const string OpenAIAliases = """
        model_aliases:
          gpt-4o: openai-main/gpt-4o
          gpt-4o-mini: openai-main/gpt-4o-mini
          gpt-4.1: openai-main/gpt-4.1
          gpt-4.1-mini: openai-main/gpt-4.1-mini
          o4-mini: openai-main/o4-mini
          text-embedding-3-small: openai-main/text-embedding-3-small
          text-embedding-3-large: openai-main/text-embedding-3-large
          echo: mock/echo

        """;

    public static string Yaml(bool withOpenAI) => withOpenAI ? Base + OpenAI + OpenAIAliases : Base + MockAliases;
}
