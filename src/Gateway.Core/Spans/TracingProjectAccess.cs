using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Spans;

/// <summary>
/// Who may read a tracing project's spans: admins, and the project's collaborators (the subject
/// itself, or a team it belongs to as <c>team:&lt;name&gt;</c>). In anonymous mode (no API keys
/// configured) the caller is an admin of its own local store; that decision is the authenticator's,
/// made where it is wired (Spans/SpanFeature.cs).
/// </summary>
internal static class TracingProjectAccess
{
    public static bool CanRead(TracingProjectsConfig config, Subject subject, string fqn)
    {
        if (subject.IsAdmin) return true;
        var project = config.Find(fqn);
        if (project is null) return false;
        foreach (var collaborator in project.Collaborators)
        {
            if (SubjectRef.Matches(collaborator, subject)) return true;
        }
        return false;
    }
}
