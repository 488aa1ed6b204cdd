using Gateway.Auth;

namespace Gateway.Spans;

/// <summary>
/// Matching a written subject reference (<c>user:a@x.com</c>, <c>virtualaccount:app</c>,
/// <c>team:eng</c>) against a caller. Used by tracing-project rules and by access control, so both
/// read a reference the same way.
/// </summary>
internal static class SubjectRef
{
    public const string TeamPrefix = "team:";

    public static bool Matches(string reference, Subject subject)
    {
        if (reference.StartsWith(TeamPrefix, StringComparison.Ordinal))
        {
            var team = reference.AsSpan(TeamPrefix.Length);
            foreach (var t in subject.Teams)
            {
                // Teams may be carried bare ("eng") or qualified ("team:eng").
                var name = t.StartsWith(TeamPrefix, StringComparison.Ordinal) ? t.AsSpan(TeamPrefix.Length) : t.AsSpan();
                if (name.Equals(team, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }
        var colon = reference.IndexOf(':');
        if (colon <= 0) return false;
        // Types are lowercase words; slugs compare without case because e-mail addresses do.
        return reference.AsSpan(0, colon).SequenceEqual(subject.Type)
            && reference.AsSpan(colon + 1).Equals(subject.Slug, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Splits <c>type:slug</c> at the first colon; a value without one is a slug of no known type.</summary>
    public static (string? Type, string Slug) Split(string value)
    {
        var colon = value.IndexOf(':');
        return colon <= 0 ? (null, value) : (value[..colon], value[(colon + 1)..]);
    }
}
