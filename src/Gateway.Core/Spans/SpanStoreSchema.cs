namespace Gateway.Spans;

/// <summary>
/// The tables and indexes, chosen for the query API's shapes (issue #4): every query names a
/// project and a time window and is sorted by (start_time_ns, span_id), the keyset of the page token.
/// </summary>
/// <remarks>
/// Version 2 (issue #11) stores a span in a third of version 1's bytes of columns and indexes: ids as
/// bytes, not hex text; kind and status as numbers; the project, subject, application and span name as
/// ids into <c>span_strings</c>, so each index entry carries an integer instead of a 30-byte project FQN;
/// and the time indexes end at the start time (SQLite sorts the rare spans that start in the same
/// nanosecond by span id itself: "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY").
/// Version 3 keeps a span's attributes and events in one blob (<see cref="SpanBlobWriter"/>): keys as
/// <c>span_strings</c> ids, each text once, and the text a span shares with a later span of its trace in
/// that span only (its donor). Filters read the blob through <see cref="SpanSqlFunctions"/>.
/// </remarks>
internal static class SpanStoreSchema
{
    public const int Version = 3;

    public const string IndexProjectTime = "ix_spans_project_time";
    public const string IndexRoot = "ix_spans_root";
    public const string IndexSubject = "ix_spans_project_subject_time";
    public const string IndexTrace = "ix_spans_trace";

    public static readonly string Create = $"""
        -- Strings that many spans share (projects, subjects, applications, span names), each stored once.
        -- Rows are only ever added: an id, once given, keeps its string for the life of the file.
        CREATE TABLE IF NOT EXISTS span_strings (
            id INTEGER PRIMARY KEY,
            value TEXT NOT NULL UNIQUE
        );
        CREATE TABLE IF NOT EXISTS spans (
            id INTEGER PRIMARY KEY,          -- given by the writer: insertion order (retention by row count cuts by it),
                                             -- and within a batch start order, so a row's donor comes after it
            start_time_ns INTEGER NOT NULL,  -- Unix epoch nanoseconds
            duration_ns INTEGER NOT NULL,
            trace_id BLOB NOT NULL,          -- 16 bytes
            span_id BLOB NOT NULL,           -- 8 bytes
            parent_span_id BLOB NOT NULL,    -- 8 bytes; x'' for a root span
            name INTEGER NOT NULL,           -- span_strings
            kind INTEGER NOT NULL,           -- ActivityKind: 0 Internal, 1 Server, 2 Client, 3 Producer, 4 Consumer
            status_code INTEGER NOT NULL,    -- ActivityStatusCode: 0 Unset, 1 Ok, 2 Error
            status_message TEXT,
            project INTEGER NOT NULL,        -- span_strings
            subject_type INTEGER,            -- span_strings
            subject_slug INTEGER,            -- span_strings
            application INTEGER NOT NULL,    -- span_strings
            attributes BLOB NOT NULL,        -- attributes and events (SpanBlobWriter)
            donor INTEGER,                   -- the row (this id + donor) whose pool holds text this row points into;
                                             -- same trace and project, later id and start, so retention deletes it later
            metadata TEXT                    -- x-tfy-metadata, JSON object of strings
        );
        -- All spans of a project in a window (the seed's first case) and the fallback for the others.
        CREATE INDEX IF NOT EXISTS {IndexProjectTime} ON spans (project, start_time_ns);
        -- Root spans in a window: a partial index holds only them, so an hour of roots reads no children.
        CREATE INDEX IF NOT EXISTS {IndexRoot} ON spans (project, start_time_ns) WHERE parent_span_id = x'';
        -- Spans of users / of virtual accounts / of one of them.
        CREATE INDEX IF NOT EXISTS {IndexSubject} ON spans (project, subject_type, subject_slug, start_time_ns);
        -- One trace, by the first 8 bytes of its id (TraceKey): half the bytes of the whole id per entry,
        -- and a query compares the whole id on the few rows a key finds.
        CREATE INDEX IF NOT EXISTS {IndexTrace} ON spans ({TraceKey("trace_id")});
        -- No index on start_time_ns alone: retention by age walks the projects and uses the first
        -- index; one index less is a fifth less index work per insert (bench/spans/RESULTS.md).
        PRAGMA user_version = {Version};
        """;

    /// <summary>Numbered parameters: <see cref="SpanRowWriter"/> binds them by position.</summary>
    public const string Insert = """
        INSERT INTO spans (id, start_time_ns, duration_ns, trace_id, span_id, parent_span_id, name, kind, status_code,
            status_message, project, subject_type, subject_slug, application, attributes, donor, metadata)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
        """;

    public const string InsertString = "INSERT INTO span_strings (value) VALUES ($value)";

    public const string Strings = "SELECT id, value FROM span_strings";

    /// <summary>The distinct project ids, one index seek each (a skip scan SQLite does not do without statistics).</summary>
    public const string ProjectIds = """
        WITH RECURSIVE p(id) AS (
            SELECT min(project) FROM spans
            UNION ALL
            SELECT (SELECT min(project) FROM spans WHERE project > p.id) FROM p WHERE p.id IS NOT NULL)
        SELECT id FROM p WHERE id IS NOT NULL
        """;

    /// <summary>The FQNs of the projects that hold spans.</summary>
    public static readonly string Projects = $"SELECT {StringOf("p.id")} FROM ({ProjectIds}) AS p";

    /// <summary>The key of <see cref="IndexTrace"/> for a trace id given as SQL: SQLite uses the index for a term with the same expression.</summary>
    public static string TraceKey(string traceId) => $"substr({traceId}, 1, 8)";

    /// <summary>The string of a <c>span_strings</c> id (NULL for NULL).</summary>
    public static string StringOf(string idColumn) => $"(SELECT value FROM span_strings WHERE id = {idColumn})";

    /// <summary>The id of a string given as SQL (a parameter or a literal): NULL when no span has it.</summary>
    public static string IdOf(string value) => $"(SELECT id FROM span_strings WHERE value = {value})";

    /// <summary>The blob of a row's donor, NULL without one; <paramref name="table"/> names the row's table in the query.</summary>
    public static string DonorAttributes(string table) =>
        $"CASE WHEN {table}.donor IS NULL THEN NULL ELSE (SELECT d.attributes FROM spans AS d WHERE d.id = {table}.id + {table}.donor) END";

    /// <summary>An attribute of a row's blob, as json_extract gave it from version 2's JSON; <paramref name="key"/> is SQL (a parameter or a literal).</summary>
    public static string Attribute(string table, string key, string function = SpanSqlFunctions.Attribute) =>
        $"{function}({table}.attributes, {DonorAttributes(table)}, {IdOf(key)}, {key})";

    /// <summary>Columns a query reads, in the order <see cref="SpanQueryExecutor"/> reads them.</summary>
    public static readonly string SelectColumns =
        "start_time_ns, duration_ns, trace_id, span_id, parent_span_id, " + StringOf("name") + ", kind, status_code, status_message, " +
        StringOf("project") + ", " + StringOf("subject_type") + ", " + StringOf("subject_slug") + ", " + StringOf("application") + ", attributes, " +
        DonorAttributes("spans");

    public const string MaxId = "SELECT max(id) FROM spans";
}
