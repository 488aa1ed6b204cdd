namespace Gateway.Spans;

/// <summary>
/// The table and indexes, chosen for the query API's shapes (issue #4): every query names a
/// project and a time window and is sorted by (start_time_ns, span_id), the keyset of the page token.
/// </summary>
internal static class SpanStoreSchema
{
    public const int Version = 1;

    public const string IndexProjectTime = "ix_spans_project_time";
    public const string IndexRoot = "ix_spans_root";
    public const string IndexSubject = "ix_spans_project_subject_time";
    public const string IndexTrace = "ix_spans_trace";

    public static readonly string Create = $"""
        CREATE TABLE IF NOT EXISTS spans (
            id INTEGER PRIMARY KEY,          -- insertion order: retention by row count cuts by it
            start_time_ns INTEGER NOT NULL,  -- Unix epoch nanoseconds
            duration_ns INTEGER NOT NULL,
            trace_id TEXT NOT NULL,
            span_id TEXT NOT NULL,
            parent_span_id TEXT NOT NULL,    -- '' for a root span
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            status_code TEXT NOT NULL,
            status_message TEXT,
            project_fqn TEXT NOT NULL,
            subject_type TEXT,
            subject_slug TEXT,
            application_name TEXT NOT NULL,
            attributes TEXT NOT NULL,        -- JSON object
            events TEXT,                     -- JSON array, NULL without events
            metadata TEXT                    -- x-tfy-metadata, JSON object of strings
        );
        -- All spans of a project in a window (the seed's first case) and the fallback for the others.
        CREATE INDEX IF NOT EXISTS {IndexProjectTime} ON spans (project_fqn, start_time_ns, span_id);
        -- Root spans in a window: a partial index holds only them, so an hour of roots reads no children.
        CREATE INDEX IF NOT EXISTS {IndexRoot} ON spans (project_fqn, start_time_ns, span_id) WHERE parent_span_id = '';
        -- Spans of users / of virtual accounts / of one of them.
        CREATE INDEX IF NOT EXISTS {IndexSubject} ON spans (project_fqn, subject_type, subject_slug, start_time_ns, span_id);
        -- One trace (and one span of it).
        CREATE INDEX IF NOT EXISTS {IndexTrace} ON spans (trace_id, span_id);
        -- No index on start_time_ns alone: retention by age walks the projects and uses the first
        -- index; one index less is a fifth less index work per insert (bench/spans/RESULTS.md).
        PRAGMA user_version = {Version};
        """;

    public const string Insert = """
        INSERT INTO spans (start_time_ns, duration_ns, trace_id, span_id, parent_span_id, name, kind, status_code,
            status_message, project_fqn, subject_type, subject_slug, application_name, attributes, events, metadata)
        VALUES ($start, $duration, $trace, $span, $parent, $name, $kind, $status, $statusMessage, $project,
            $subjectType, $subjectSlug, $application, $attributes, $events, $metadata)
        """;

    /// <summary>The distinct projects, one index seek each (a skip scan SQLite does not do without statistics).</summary>
    public const string Projects = """
        WITH RECURSIVE p(fqn) AS (
            SELECT min(project_fqn) FROM spans
            UNION ALL
            SELECT (SELECT min(project_fqn) FROM spans WHERE project_fqn > p.fqn) FROM p WHERE p.fqn IS NOT NULL)
        SELECT fqn FROM p WHERE fqn IS NOT NULL
        """;

    /// <summary>Columns a query reads, in the order <see cref="SpanQueryExecutor"/> reads them.</summary>
    public const string SelectColumns =
        "start_time_ns, duration_ns, trace_id, span_id, parent_span_id, name, kind, status_code, status_message, " +
        "project_fqn, subject_type, subject_slug, application_name, attributes, events";
}
