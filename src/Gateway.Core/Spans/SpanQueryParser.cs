using System.Text.Json;

namespace Gateway.Spans;

/// <summary>
/// Reads a query body (camelCase, as the reference API) with exact errors: an unknown field, a
/// malformed time or an unknown operator is a 400 that names the field and says what is expected.
/// </summary>
internal static class SpanQueryParser
{
    internal const int MaxListLength = 1000;
    /// <summary>Values in all the query's lists (ids, subjects, applications, filter values) together.</summary>
    internal const int MaxTotalValues = 10_000;

    private static readonly string[] s_fields =
    [
        "tracingProjectFqn", "startTime", "endTime", "traceIds", "spanIds", "parentSpanIds",
        "createdBySubjectTypes", "createdBySubjectSlugs", "applicationNames", "filters", "limit",
        "sortDirection", "pageToken", "includeFeedbacks", "dataRoutingDestination",
    ];

    private static readonly string[] s_subjectTypes =
        ["user", "team", "serviceaccount", "virtualaccount", "external-identity", "agent-identity", "role"];

    public static bool TryParse(ReadOnlyMemory<byte> body, out SpanQuery? query, out Gateway.OpenAI.GatewayError? error)
    {
        query = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            error = Gateway.OpenAI.GatewayError.InvalidJson(e.Message);
            return false;
        }
        using (doc)
        {
            try
            {
                query = Parse(doc.RootElement);
                error = null;
                return true;
            }
            catch (SpanQueryException e)
            {
                error = SpanQueryErrors.Invalid(e.Param, e.Message);
                return false;
            }
            catch (InvalidOperationException)
            {
                // A field name with a lone surrogate escape: its text cannot be read (values are checked where read).
                error = SpanQueryErrors.Invalid("", "The request body holds a field name that is not valid Unicode text (a lone surrogate escape such as \\ud800).");
                return false;
            }
        }
    }

    private static SpanQuery Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new SpanQueryException("", "The request body must be a JSON object.");
        string? project = null, pageToken = null;
        long? start = null, end = null;
        IReadOnlyList<string> traceIds = [], spanIds = [], parentSpanIds = [], types = [], slugs = [], apps = [];
        IReadOnlyList<SpanFilter> filters = [];
        var limit = SpanQuery.DefaultLimit;
        var ascending = false;
        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "tracingProjectFqn":
                    project = NullableString(v, p.Name);
                    if (project is not null && !Config.TracingProjectsConfigReader.IsFqn(project))
                    {
                        throw new SpanQueryException(p.Name, $"'{project}' is not a tracing project name: expected <tenant>:tracing-project:<name>.");
                    }
                    break;
                case "startTime": start = Time(v, p.Name); break;
                case "endTime": end = v.ValueKind == JsonValueKind.Null ? null : Time(v, p.Name); break;
                case "traceIds": traceIds = Lower(Strings(v, p.Name, HexId(32))); break;
                case "spanIds": spanIds = Lower(Strings(v, p.Name, HexId(16))); break;
                case "parentSpanIds": parentSpanIds = Lower(Strings(v, p.Name, s => s.Length == 0 || HexId(16)(s) is null ? null : "a 16-digit hex span id, or \"\" for root spans")); break;
                case "createdBySubjectTypes":
                    types = Strings(v, p.Name, s => Array.IndexOf(s_subjectTypes, s) >= 0 ? null : "one of " + string.Join(", ", s_subjectTypes));
                    break;
                case "createdBySubjectSlugs": slugs = Strings(v, p.Name, s => s.Length > 0 ? null : "a non-empty slug"); break;
                case "applicationNames": apps = Strings(v, p.Name, s => s.Length > 0 ? null : "a non-empty name"); break;
                case "filters": filters = SpanFilterParser.ParseAll(v, p.Name); break;
                case "limit":
                    if (v.ValueKind == JsonValueKind.Null) break;
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out limit) || limit < 1)
                    {
                        throw new SpanQueryException(p.Name, $"'limit' must be a positive integer (at most {SpanQuery.MaxLimit}), got {v.GetRawText()}.");
                    }
                    // Spec: "limit (default 200, cap it)": a larger page is served as the cap, not refused.
                    limit = Math.Min(limit, SpanQuery.MaxLimit);
                    break;
                case "sortDirection":
                    var direction = NullableString(v, p.Name);
                    if (direction is null) break;
                    if (direction.Equals("ASC", StringComparison.OrdinalIgnoreCase)) ascending = true;
                    else if (direction.Equals("DESC", StringComparison.OrdinalIgnoreCase)) ascending = false;
                    else throw new SpanQueryException(p.Name, $"'sortDirection' must be ASC or DESC, got '{direction}'.");
                    break;
                case "pageToken": pageToken = NullableString(v, p.Name); if (pageToken is { Length: 0 }) pageToken = null; break;
                case "includeFeedbacks":
                    // Accepted for compatibility with the reference API; this gateway stores no feedback.
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                    {
                        throw new SpanQueryException(p.Name, "'includeFeedbacks' must be true or false.");
                    }
                    break;
                case "dataRoutingDestination":
                    throw new SpanQueryException(p.Name, "'dataRoutingDestination' is not supported: this gateway stores spans per tracing project; use 'tracingProjectFqn'.");
                default:
                    throw new SpanQueryException(p.Name, $"Unknown field '{p.Name}'. Expected one of: {string.Join(", ", s_fields)}.");
            }
        }
        if (start is null) throw new SpanQueryException("startTime", "'startTime' is required: an ISO 8601 time such as 2025-06-01T00:00:00Z.");
        var total = traceIds.Count + spanIds.Count + parentSpanIds.Count + types.Count + slugs.Count + apps.Count + filters.Sum(f => f.Values.Count);
        if (total > MaxTotalValues)
        {
            throw new SpanQueryException("filters", $"The query holds {total} values in its lists and filters; at most {MaxTotalValues} are allowed in all. Split it into several queries.");
        }
        if (end is not null && end < start) throw new SpanQueryException("endTime", "'endTime' is before 'startTime'.");
        return new SpanQuery
        {
            TracingProjectFqn = project,
            StartNs = start.Value,
            EndNs = end,
            TraceIds = traceIds,
            SpanIds = spanIds,
            ParentSpanIds = parentSpanIds,
            CreatedBySubjectTypes = types,
            CreatedBySubjectSlugs = slugs,
            ApplicationNames = apps,
            Filters = filters,
            Limit = limit,
            Ascending = ascending,
            PageToken = pageToken,
        };
    }

    private static string? NullableString(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => Text(v, name),
        _ => throw new SpanQueryException(name, $"'{name}' must be a string, got {Kind(v)}."),
    };

    /// <summary>A JSON string's text; a lone surrogate escape (<c>"\ud800"</c>) is valid JSON but no text, and is a 400 naming the field.</summary>
    internal static string Text(JsonElement v, string path)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new SpanQueryException(path, $"'{path}' is not valid Unicode text (it holds a lone surrogate escape such as \\ud800).");
        }
    }

    private static long Time(JsonElement v, string name)
    {
        if (v.ValueKind != JsonValueKind.String)
        {
            throw new SpanQueryException(name, $"'{name}' must be an ISO 8601 time string such as 2025-06-01T00:00:00Z, got {Kind(v)}.");
        }
        var text = Text(v, name);
        if (!UnixTime.TryParseIso(text, out var nanos))
        {
            throw new SpanQueryException(name, $"'{name}' is not an ISO 8601 time: '{text}'. Use e.g. 2025-06-01T00:00:00Z or 2025-06-01T02:00:00+02:00.");
        }
        return nanos;
    }

    private static IReadOnlyList<string> Strings(JsonElement v, string name, Func<string, string?> check)
    {
        if (v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new SpanQueryException(name, $"'{name}' must be a list of strings, got {Kind(v)}.");
        if (v.GetArrayLength() > MaxListLength) throw new SpanQueryException(name, $"'{name}' has more than {MaxListLength} entries.");
        var list = new List<string>(v.GetArrayLength());
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw new SpanQueryException($"{name}[{i}]", $"'{name}[{i}]' must be a string, got {Kind(item)}.");
            var s = Text(item, $"{name}[{i}]");
            if (check(s) is string expected) throw new SpanQueryException($"{name}[{i}]", $"'{name}[{i}]' is '{s}': expected {expected}.");
            list.Add(s);
            i++;
        }
        return list;
    }

    /// <summary>Ids are stored as Activity writes them: lowercase hex.</summary>
    private static IReadOnlyList<string> Lower(IReadOnlyList<string> ids) => [.. ids.Select(id => id.ToLowerInvariant())];

    private static Func<string, string?> HexId(int length) => s =>
    {
        if (s.Length != length) return $"a {length}-digit hex id";
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c)) return $"a {length}-digit hex id";
        }
        return null;
    };

    internal static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
