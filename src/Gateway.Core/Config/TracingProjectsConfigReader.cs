namespace Gateway.Config;

/// <summary>
/// Checks <c>tracing_projects: {default, projects: [{fqn, collaborators, rules: [{when: {subjects, models, metadata}}]}]}</c>:
/// every name, subject and rule, each error with its line.
/// </summary>
internal static class TracingProjectsConfigReader
{
    private const string Path = "tracing_projects";

    public static TracingProjectsConfig Read(ConfigErrors errors, ConfigFile.TracingProjectsSection section)
    {
        if (section.Default is { } given && !IsFqn(given)) errors.Add(Path + ".default", FqnMessage(given));
        var projects = new List<TracingProjectConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (section.Projects?.Count ?? 0); i++)
        {
            var path = $"{Path}.projects[{i}]";
            var project = ReadProject(errors, path, section.Projects![i]);
            if (project is null) continue;
            if (!seen.Add(project.Fqn))
            {
                errors.Add(path + ".fqn", $"duplicate tracing project '{project.Fqn}'");
                continue;
            }
            projects.Add(project);
        }
        // No default named: the first project, or the built-in one when there are none.
        var defaultFqn = section.Default ?? (projects.Count > 0 ? projects[0].Fqn : TracingProjectsConfig.DefaultFqn);
        if (!projects.Exists(p => p.Fqn == defaultFqn))
        {
            if (projects.Count > 0 && section.Default is not null)
            {
                errors.Add(Path + ".default", $"'{defaultFqn}' is not one of tracing_projects.projects");
            }
            else
            {
                // A default with no project entry: readable by admins only.
                projects.Add(new TracingProjectConfig { Fqn = defaultFqn });
            }
        }
        return new TracingProjectsConfig { Default = defaultFqn, Projects = projects };
    }

    private static TracingProjectConfig? ReadProject(ConfigErrors errors, string path, ConfigFile.TracingProject project)
    {
        if (project.Fqn is null) errors.Add(path + ".fqn", "required");
        else if (!IsFqn(project.Fqn)) errors.Add(path + ".fqn", FqnMessage(project.Fqn));
        var collaborators = errors.Valid(path + ".collaborators", project.Collaborators, SubjectError);
        var rules = new List<TracingProjectRule>();
        for (var i = 0; i < (project.Rules?.Count ?? 0); i++)
        {
            if (ReadRule(errors, $"{path}.rules[{i}]", project.Rules![i]) is { } rule) rules.Add(rule);
        }
        return errors.Clean(path) ? new TracingProjectConfig { Fqn = project.Fqn!, Collaborators = collaborators, Rules = rules } : null;
    }

    private static TracingProjectRule? ReadRule(ConfigErrors errors, string path, ConfigFile.TracingRule rule)
    {
        var whenPath = path + ".when";
        if (rule.When is not { } when)
        {
            errors.Add(whenPath, "required");
            return null;
        }
        var subjects = errors.Valid(whenPath + ".subjects", when.Subjects, SubjectError);
        var models = errors.Valid(whenPath + ".models", when.Models, m =>
            string.IsNullOrWhiteSpace(m) ? "model name must not be empty"
            : m.IndexOf('*') is var star && star >= 0 && star != m.Length - 1 ? $"'{m}': '*' is allowed only at the end"
            : null);
        var metadata = when.Metadata ?? new Dictionary<string, string>();
        if (subjects.Count == 0 && models.Count == 0 && metadata.Count == 0)
        {
            errors.Add(whenPath, "needs at least one of subjects, models or metadata (requests no rule matches go to tracing_projects.default)");
            return null;
        }
        return new TracingProjectRule { Subjects = subjects, Models = models, Metadata = metadata, Source = $"{path} (line {errors.LineOf(path)})" };
    }

    /// <summary><c>tenant:tracing-project:name</c>, each part lowercase letters, digits, '-', '_' or '.'.</summary>
    public static bool IsFqn(string s)
    {
        var parts = s.Split(':');
        return parts.Length == 3 && parts[1] == "tracing-project" && IsName(parts[0]) && IsName(parts[2]);
    }

    /// <summary><c>user:&lt;email&gt;</c>, <c>virtualaccount:&lt;name&gt;</c>, and <c>team:&lt;name&gt;</c> where teams are allowed.</summary>
    public static bool IsSubjectRef(string s, bool allowTeam)
    {
        var colon = s.IndexOf(':');
        if (colon <= 0 || colon == s.Length - 1) return false;
        var type = s.AsSpan(0, colon);
        return type is "user" or "virtualaccount" || (allowTeam && type is "team");
    }

    private static bool IsName(string s)
    {
        if (s.Length == 0 || s.Length > 128) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')) return false;
        }
        return true;
    }

    private static string FqnMessage(string fqn) =>
        $"'{fqn}' is not a tracing project name: expected <tenant>:tracing-project:<name> (lowercase letters, digits, '-', '_', '.')";

    private static string? SubjectError(string s) =>
        IsSubjectRef(s, allowTeam: true) ? null : $"'{s}' is not a subject: expected user:<email>, team:<name> or virtualaccount:<name>";
}
