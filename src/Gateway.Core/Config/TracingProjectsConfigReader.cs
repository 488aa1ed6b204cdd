using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Reads <c>tracing_projects: {default, projects: [{fqn, collaborators, rules: [{when: {subjects, models, metadata}}]}]}</c>
/// with file:line errors for every bad name, subject or rule.
/// </summary>
internal static class TracingProjectsConfigReader
{
    private static readonly string[] s_fields = ["default", "projects"];
    private static readonly string[] s_projectFields = ["fqn", "collaborators", "rules"];
    private static readonly string[] s_ruleFields = ["when"];
    private static readonly string[] s_whenFields = ["subjects", "models", "metadata"];

    public static TracingProjectsConfig Read(YamlReader r, YamlNode node, string path)
    {
        string? defaultFqn = null;
        YamlNode? defaultNode = null;
        var projects = new List<TracingProjectConfig>();
        r.Fields(node, path, s_fields, (key, value, p) =>
        {
            switch (key)
            {
                case "default":
                    defaultFqn = r.String(value, p);
                    defaultNode = value;
                    if (defaultFqn is not null && !IsFqn(defaultFqn)) r.Error(value, p, FqnMessage(defaultFqn));
                    break;
                case "projects":
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var project = ReadProject(r, item, ip);
                        if (project is null) continue;
                        if (!seen.Add(project.Fqn))
                        {
                            r.Error(item, ip + ".fqn", $"duplicate tracing project '{project.Fqn}'");
                            continue;
                        }
                        projects.Add(project);
                    }
                    break;
            }
        });
        if (defaultFqn is null)
        {
            // No default named: the first project, or the built-in one when there are none.
            defaultFqn = projects.Count > 0 ? projects[0].Fqn : TracingProjectsConfig.DefaultFqn;
        }
        if (!projects.Exists(p => p.Fqn == defaultFqn))
        {
            if (projects.Count > 0 && defaultNode is not null)
            {
                r.Error(defaultNode, path + ".default", $"'{defaultFqn}' is not one of tracing_projects.projects");
            }
            else
            {
                // A default with no project entry: readable by admins only.
                projects.Add(new TracingProjectConfig { Fqn = defaultFqn });
            }
        }
        return new TracingProjectsConfig { Default = defaultFqn, Projects = projects };
    }

    private static TracingProjectConfig? ReadProject(YamlReader r, YamlNode node, string path)
    {
        string? fqn = null;
        var collaborators = new List<string>();
        var rules = new List<TracingProjectRule>();
        var errorsBefore = r.Errors.Count;
        r.Fields(node, path, s_projectFields, (key, value, p) =>
        {
            switch (key)
            {
                case "fqn":
                    fqn = r.String(value, p);
                    if (fqn is not null && !IsFqn(fqn)) r.Error(value, p, FqnMessage(fqn));
                    break;
                case "collaborators":
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var s = r.String(item, ip);
                        if (s is null) continue;
                        if (!IsSubjectRef(s, allowTeam: true)) r.Error(item, ip, SubjectMessage(s));
                        else collaborators.Add(s);
                    }
                    break;
                case "rules":
                    foreach (var (item, ip) in r.Items(value, p))
                    {
                        var rule = ReadRule(r, item, ip);
                        if (rule is not null) rules.Add(rule);
                    }
                    break;
            }
        });
        if (fqn is null && r.Errors.Count == errorsBefore) r.Error(node, path + ".fqn", "required");
        if (fqn is null || r.Errors.Count != errorsBefore) return null;
        return new TracingProjectConfig { Fqn = fqn, Collaborators = collaborators, Rules = rules };
    }

    private static TracingProjectRule? ReadRule(YamlReader r, YamlNode node, string path)
    {
        TracingProjectRule? rule = null;
        var sawWhen = false;
        r.Fields(node, path, s_ruleFields, (_, value, p) =>
        {
            sawWhen = true;
            var subjects = new List<string>();
            var models = new List<string>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            r.Fields(value, p, s_whenFields, (key, v, wp) =>
            {
                switch (key)
                {
                    case "subjects":
                        foreach (var (item, ip) in r.Items(v, wp))
                        {
                            var s = r.String(item, ip);
                            if (s is null) continue;
                            if (!IsSubjectRef(s, allowTeam: true)) r.Error(item, ip, SubjectMessage(s));
                            else subjects.Add(s);
                        }
                        break;
                    case "models":
                        foreach (var (item, ip) in r.Items(v, wp))
                        {
                            var s = r.String(item, ip);
                            if (string.IsNullOrWhiteSpace(s)) r.Error(item, ip, "model name must not be empty");
                            else if (s.IndexOf('*') is var star && star >= 0 && star != s.Length - 1) r.Error(item, ip, $"'{s}': '*' is allowed only at the end");
                            else models.Add(s);
                        }
                        break;
                    case "metadata":
                        if (v is not YamlMappingNode map)
                        {
                            r.Error(v, wp, "expected a mapping of metadata keys to values");
                            break;
                        }
                        foreach (var (k, mv) in map.Children)
                        {
                            var name = (k as YamlScalarNode)?.Value ?? "";
                            var s = r.String(mv, wp + "." + name);
                            if (s is not null) metadata[name] = s;
                        }
                        break;
                }
            });
            if (subjects.Count == 0 && models.Count == 0 && metadata.Count == 0)
            {
                r.Error(value, p, "needs at least one of subjects, models or metadata (requests no rule matches go to tracing_projects.default)");
                return;
            }
            rule = new TracingProjectRule
            {
                Subjects = subjects,
                Models = models,
                Metadata = metadata,
                Source = $"{path} (line {node.Start.Line})",
            };
        });
        if (!sawWhen && node is YamlMappingNode) r.Error(node, path + ".when", "required");
        return rule;
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

    private static string SubjectMessage(string s) =>
        $"'{s}' is not a subject: expected user:<email>, team:<name> or virtualaccount:<name>";
}
