using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Spans;

/// <summary>
/// Which tracing project a request's spans land in: the first project (in file order) with a rule
/// that matches the subject, model and x-tfy-metadata, else <c>tracing_projects.default</c>. The
/// tracing code calls it once per request and writes the answer as <c>tfy.tracing_project_fqn</c>;
/// the span store calls it for spans that arrive without that attribute.
/// </summary>
internal sealed class TracingProjectResolver(TracingProjectsConfig config)
{
    public TracingProjectsConfig Config { get; } = config;

    public string DefaultFqn => Config.Default;

    public string Resolve(Subject? subject, string? model, IReadOnlyDictionary<string, string>? metadata)
    {
        foreach (var project in Config.Projects)
        {
            foreach (var rule in project.Rules)
            {
                if (Matches(rule, subject, model, metadata)) return project.Fqn;
            }
        }
        return Config.Default;
    }

    internal static bool Matches(TracingProjectRule rule, Subject? subject, string? model, IReadOnlyDictionary<string, string>? metadata)
    {
        if (rule.Subjects.Count > 0)
        {
            if (subject is null) return false;
            var any = false;
            foreach (var s in rule.Subjects)
            {
                if (SubjectRef.Matches(s, subject))
                {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        }
        if (rule.Models.Count > 0)
        {
            if (model is null) return false;
            var any = false;
            foreach (var m in rule.Models)
            {
                if (m.EndsWith('*') ? model.AsSpan().StartsWith(m.AsSpan(0, m.Length - 1), StringComparison.Ordinal) : m == model)
                {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        }
        foreach (var (key, value) in rule.Metadata)
        {
            if (metadata is null || !metadata.TryGetValue(key, out var actual) || actual != value) return false;
        }
        return true;
    }
}
