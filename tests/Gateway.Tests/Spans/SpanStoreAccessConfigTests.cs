using Gateway.Config;

namespace Gateway.Tests.Spans;

/// <summary>The span_store settings of the query API (issue #9 items 10 and 11): defaults, values, errors.</summary>
public sealed class SpanStoreAccessConfigTests
{
    private const string Providers = """
        providers:
          - name: mock
            type: mock
            models: [echo]

        """;

    [Fact]
    public void Defaults()
    {
        var store = ConfigLoader.Load(Providers, "test.yaml").SpanStore;
        Assert.Equal(5_000, store.QueryTimeoutMs);
        Assert.Equal(2, store.QueryWorkers);
        Assert.False(store.AllowAnonymousRemote);
    }

    [Fact]
    public void Reads_the_values()
    {
        var store = ConfigLoader.Load(Providers + "span_store: {query_timeout_ms: 250, query_workers: 4, allow_anonymous_remote: true}\n", "test.yaml").SpanStore;
        Assert.Equal(250, store.QueryTimeoutMs);
        Assert.Equal(4, store.QueryWorkers);
        Assert.True(store.AllowAnonymousRemote);
    }

    [Theory]
    [InlineData("span_store: {query_timeout_ms: 0}", "span_store.query_timeout_ms: must be between 1 and 600000")]
    [InlineData("span_store: {query_timeout_ms: 600001}", "span_store.query_timeout_ms: must be between 1 and 600000")]
    [InlineData("span_store: {query_workers: 0}", "span_store.query_workers: must be between 1 and 32")]
    [InlineData("span_store: {allow_anonymous_remote: yes please}", "span_store.allow_anonymous_remote: expected true or false")]
    public void Errors_name_the_field(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Providers + yaml + "\n", "test.yaml"));
        Assert.Contains(e.Errors, error => error.Contains(expected, StringComparison.Ordinal));
    }
}
