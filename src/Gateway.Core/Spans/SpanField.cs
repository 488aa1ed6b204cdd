namespace Gateway.Spans;

/// <summary>A span field a filter may name (<c>spanFieldName</c>), and the SQL it reads.</summary>
internal sealed class SpanField
{
    private SpanField(string name, string sql, bool numeric = false, Func<string, string?>? normalize = null, string allowed = "")
    {
        Name = name;
        Sql = sql;
        Numeric = numeric;
        Normalize = normalize;
        Allowed = allowed;
    }

    public string Name { get; }
    /// <summary>A column or expression over columns; never user text.</summary>
    public string Sql { get; }
    public bool Numeric { get; }
    /// <summary>Maps accepted spellings to the stored one; null for a value that is not allowed.</summary>
    public Func<string, string?>? Normalize { get; }
    public string Allowed { get; }

    // The reference's fields (truefoundry.md 1.7), plus spanKind and statusMessage. "tag" is not here: it has no stored meaning.
    private static readonly SpanField[] s_all =
    [
        // Expressions that give each field as the API spells it: the store keeps ids as bytes, kind and
        // status as numbers and shared strings as span_strings ids (SpanStoreSchema).
        new("spanName", SpanStoreSchema.StringOf("name")),
        new("spanId", "lower(hex(span_id))", normalize: s => s.ToLowerInvariant()),
        new("traceId", "lower(hex(trace_id))", normalize: s => s.ToLowerInvariant()),
        new("parentSpanId", "lower(hex(parent_span_id))", normalize: s => s.ToLowerInvariant()),
        new("applicationName", SpanStoreSchema.StringOf("application")),
        new("createdBySubjectSlug", SpanStoreSchema.StringOf("subject_slug")),
        new("createdBySubjectType", SpanStoreSchema.StringOf("subject_type")),
        new("durationInNs", "duration_ns", numeric: true),
        new("durationInMs", "(duration_ns / 1000000.0)", numeric: true),
        new("spanStatusCode", SpanCodes.StatusSql, normalize: StatusCode, allowed: "Unset, Ok, Error (or STATUS_CODE_UNSET, STATUS_CODE_OK, STATUS_CODE_ERROR)"),
        new("spanKind", SpanCodes.KindSql, normalize: Kind, allowed: "Internal, Server, Client, Producer, Consumer (or SPAN_KIND_*)"),
        new("statusMessage", "status_message"),
    ];

    public static IEnumerable<string> Names => s_all.Select(f => f.Name);

    public static SpanField? Find(string name) => Array.Find(s_all, f => f.Name == name);

    private static string? StatusCode(string s) => Strip(s, "STATUS_CODE_").ToUpperInvariant() switch
    {
        "UNSET" => "Unset",
        "OK" => "Ok",
        "ERROR" => "Error",
        _ => null,
    };

    private static string? Kind(string s) => Strip(s, "SPAN_KIND_").ToUpperInvariant() switch
    {
        "INTERNAL" => "Internal",
        "SERVER" => "Server",
        "CLIENT" => "Client",
        "PRODUCER" => "Producer",
        "CONSUMER" => "Consumer",
        _ => null,
    };

    private static string Strip(string s, string prefix) => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? s[prefix.Length..] : s;
}
