using System.Diagnostics;

namespace Gateway.Spans;

/// <summary>
/// Span kind and status as the store keeps them (the <see cref="ActivityKind"/> and
/// <see cref="ActivityStatusCode"/> numbers) and as the query API names them (OpenTelemetry's names).
/// </summary>
internal static class SpanCodes
{
    private static readonly string[] s_kinds = ["Internal", "Server", "Client", "Producer", "Consumer"];
    private static readonly string[] s_statuses = ["Unset", "Ok", "Error"];

    /// <summary>The kind column as its name, for filters on <c>spanKind</c>.</summary>
    public static readonly string KindSql = Case("kind", s_kinds);

    /// <summary>The status column as its name, for filters on <c>spanStatusCode</c>.</summary>
    public static readonly string StatusSql = Case("status_code", s_statuses);

    public static int Kind(ActivityKind kind) => (uint)kind < (uint)s_kinds.Length ? (int)kind : 0;

    public static int Kind(string name) => Math.Max(0, Array.IndexOf(s_kinds, name));

    public static string KindName(long kind) => (ulong)kind < (ulong)s_kinds.Length ? s_kinds[kind] : s_kinds[0];

    public static int Status(ActivityStatusCode status) => (uint)status < (uint)s_statuses.Length ? (int)status : 0;

    public static int Status(string name) => Math.Max(0, Array.IndexOf(s_statuses, name));

    public static string StatusName(long status) => (ulong)status < (ulong)s_statuses.Length ? s_statuses[status] : s_statuses[0];

    private static string Case(string column, string[] names)
    {
        var sql = "CASE " + column;
        for (var i = 0; i < names.Length; i++) sql += $" WHEN {i} THEN '{names[i]}'";
        return sql + " END";
    }
}
