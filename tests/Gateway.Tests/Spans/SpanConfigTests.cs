using Gateway.Config;

namespace Gateway.Tests.Spans;

/// <summary>The tracing_projects and span_store sections: defaults, shapes, file:line errors.</summary>
public sealed class SpanConfigTests
{
    private const string Providers = """
        providers:
          - name: mock
            type: mock
            models: [echo]

        """;

    [Fact]
    public void Defaults_without_the_sections()
    {
        var config = ConfigLoader.Load(Providers, "test.yaml");
        Assert.True(config.SpanStore.Enabled);
        Assert.Equal("gateway-spans.db", config.SpanStore.Path);
        Assert.Equal(7, config.SpanStore.RetentionDays);
        Assert.Equal(SpanStoreSampling.All, config.SpanStore.Sampling);
        Assert.Equal(TracingProjectsConfig.DefaultFqn, config.TracingProjects.Default);
        Assert.Single(config.TracingProjects.Projects);
    }

    [Fact]
    public void Reads_both_sections()
    {
        var config = ConfigLoader.Load(Providers + """
            span_store:
              enabled: false
              path: /var/lib/gateway/spans.db
              retention_days: 30
              max_rows: 1_000_000
              queue_capacity: 1024
              sampling: sampled
              page_token_key: 0123456789abcdef0123
            tracing_projects:
              default: acme:tracing-project:main
              projects:
                - fqn: acme:tracing-project:main
                  collaborators: [user:a@x.com, team:eng, virtualaccount:app]
                - fqn: acme:tracing-project:bots
                  rules:
                    - when:
                        subjects: [virtualaccount:app]
                        models: [openai-main/*]
                        metadata: {env: prod}
            """, "test.yaml");
        Assert.False(config.SpanStore.Enabled);
        Assert.Equal("/var/lib/gateway/spans.db", config.SpanStore.Path);
        Assert.Equal(30, config.SpanStore.RetentionDays);
        Assert.Equal(1_000_000, config.SpanStore.MaxRows);
        Assert.Equal(1024, config.SpanStore.QueueCapacity);
        Assert.Equal(SpanStoreSampling.Sampled, config.SpanStore.Sampling);
        Assert.Equal("0123456789abcdef0123", config.SpanStore.PageTokenKey);
        Assert.Equal("acme:tracing-project:main", config.TracingProjects.Default);
        Assert.Equal(["user:a@x.com", "team:eng", "virtualaccount:app"], config.TracingProjects.Projects[0].Collaborators);
        var rule = Assert.Single(config.TracingProjects.Projects[1].Rules);
        Assert.Equal(["virtualaccount:app"], rule.Subjects);
        Assert.Equal(["openai-main/*"], rule.Models);
        Assert.Equal("prod", rule.Metadata["env"]);
    }

    [Fact]
    public void A_default_without_projects_is_added_as_an_admin_only_project()
    {
        var config = ConfigLoader.Load(Providers + "tracing_projects: {default: acme:tracing-project:x}\n", "test.yaml");
        Assert.Equal("acme:tracing-project:x", Assert.Single(config.TracingProjects.Projects).Fqn);
    }

    [Theory]
    [InlineData("tracing_projects: {default: nope}", "test.yaml:5:29: tracing_projects.default: 'nope' is not a tracing project name")]
    [InlineData("tracing_projects: {projects: [{fqn: a:tracing-project:b, collaborators: [bob]}]}", "tracing_projects.projects[0].collaborators[0]: 'bob' is not a subject")]
    [InlineData("tracing_projects: {projects: [{fqn: a:tracing-project:b}, {fqn: a:tracing-project:b}]}", "duplicate tracing project 'a:tracing-project:b'")]
    [InlineData("tracing_projects: {projects: [{collaborators: []}]}", "tracing_projects.projects[0].fqn: required")]
    [InlineData("tracing_projects: {projects: [{fqn: a:tracing-project:b, rules: [{when: {}}]}]}", "needs at least one of subjects, models or metadata")]
    [InlineData("tracing_projects: {projects: [{fqn: a:tracing-project:b, rules: [{when: {users: [x]}}]}]}", "tracing_projects.projects[0].rules[0].when.users: unknown field")]
    [InlineData("tracing_projects: {projects: [{fqn: a:tracing-project:b, rules: [{when: {models: ['a*b']}}]}]}", "'*' is allowed only at the end")]
    [InlineData("tracing_projects: {default: a:tracing-project:c, projects: [{fqn: a:tracing-project:b}]}", "'a:tracing-project:c' is not one of tracing_projects.projects")]
    [InlineData("span_store: {retention_days: -1}", "span_store.retention_days: must be between 0 and 36500")]
    [InlineData("span_store: {queue_capacity: 1}", "span_store.queue_capacity: must be between 16")]
    [InlineData("span_store: {page_token_key: short}", "span_store.page_token_key: must be at least 16 characters")]
    [InlineData("span_store: {enabled: maybe}", "span_store.enabled: expected true or false")]
    [InlineData("span_store: {pth: x.db}", "span_store.pth: unknown field")]
    [InlineData("span_store: {sampling: some}", "span_store.sampling: expected all or sampled, got 'some'")]
    public void Errors_name_file_line_and_field(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Providers + yaml + "\n", "test.yaml"));
        Assert.Contains(e.Errors, error => error.Contains(expected, StringComparison.Ordinal));
    }
}
