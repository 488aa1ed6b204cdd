using Gateway.Auth;
using Gateway.Config;
using Gateway.Spans;

namespace Gateway.Tests.Spans;

public sealed class TracingProjectResolverTests
{
    private static readonly TracingProjectsConfig Config = ConfigLoader.Load("""
        providers:
          - name: mock
            type: mock
            models: [echo]
        tracing_projects:
          default: acme:tracing-project:default
          projects:
            - fqn: acme:tracing-project:default
              collaborators: [user:alice@acme.com, team:eng]
            - fqn: acme:tracing-project:bots
              collaborators: [virtualaccount:ci]
              rules:
                - when: {subjects: [virtualaccount:ci, team:robots]}
                - when: {models: [mock/*], metadata: {env: prod}}
            - fqn: acme:tracing-project:prod-gpt
              rules:
                - when: {models: [openai-main/gpt-4o], metadata: {env: prod}}
        """, "test.yaml").TracingProjects;

    private static Subject User(string slug, params string[] teams) => new(Subject.UserType, slug, teams, "acme");

    [Fact]
    public void First_matching_rule_wins_in_file_order()
    {
        var r = new TracingProjectResolver(Config);
        var prod = new Dictionary<string, string> { ["env"] = "prod" };
        Assert.Equal("acme:tracing-project:bots", r.Resolve(new Subject(Subject.VirtualAccountType, "ci", [], "acme"), "x", null));
        Assert.Equal("acme:tracing-project:bots", r.Resolve(User("bob@acme.com", "robots"), null, null));
        Assert.Equal("acme:tracing-project:bots", r.Resolve(User("bob@acme.com"), "mock/echo", prod));
        Assert.Equal("acme:tracing-project:prod-gpt", r.Resolve(User("bob@acme.com"), "openai-main/gpt-4o", prod));
        // Every condition of a rule must hold.
        Assert.Equal("acme:tracing-project:default", r.Resolve(User("bob@acme.com"), "mock/echo", null));
        Assert.Equal("acme:tracing-project:default", r.Resolve(User("bob@acme.com"), "openai-main/gpt-4o-mini", prod));
        Assert.Equal("acme:tracing-project:default", r.Resolve(null, null, null));
    }

    [Fact]
    public void Access_for_collaborators_teams_and_admins()
    {
        Assert.True(TracingProjectAccess.CanRead(Config, User("ALICE@acme.com"), "acme:tracing-project:default"));
        Assert.True(TracingProjectAccess.CanRead(Config, User("carol@acme.com", "team:eng"), "acme:tracing-project:default"));
        Assert.False(TracingProjectAccess.CanRead(Config, User("carol@acme.com", "sales"), "acme:tracing-project:default"));
        Assert.False(TracingProjectAccess.CanRead(Config, User("alice@acme.com"), "acme:tracing-project:bots"));
        Assert.True(TracingProjectAccess.CanRead(Config, new Subject(Subject.VirtualAccountType, "ci", [], "acme"), "acme:tracing-project:bots"));
        // A user named like the virtual account is not it.
        Assert.False(TracingProjectAccess.CanRead(Config, User("ci"), "acme:tracing-project:bots"));
        Assert.True(TracingProjectAccess.CanRead(Config, User("root@acme.com") with { IsAdmin = true }, "acme:tracing-project:prod-gpt"));
        Assert.True(TracingProjectAccess.CanRead(Config, SpanFeature.AnonymousAdmin, "anything:tracing-project:else"));
        Assert.False(TracingProjectAccess.CanRead(Config, Subject.Anonymous, "acme:tracing-project:default"));
    }
}
