using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Builds the SELECT for a validated query. User values only ever reach SQLite as parameters;
/// the SQL text is made of column names and operators from fixed tables. A list of values is one
/// parameter, a JSON array that <c>json_each</c> unrolls, so the parameter count stays with the number
/// of conditions: SQLite finds a named parameter by scanning all of them, and binding 8 lists of 1,000
/// separate parameters took 3.4 s before the first row was read (64 lists went past SQLite's cap of
/// 32,766 parameters).
/// </summary>
internal sealed class SpanQuerySql
{
    private readonly StringBuilder _sql = new(512);
    private readonly SqliteCommand _command;
    private int _next;

    private SpanQuerySql(SqliteCommand command) => _command = command;

    /// <param name="fetch">Rows to read: the page size plus one, to learn whether another page exists.</param>
    public static void Build(SqliteCommand command, SpanQuery q, string projectFqn, long endNs, PageCursor? cursor, int fetch)
    {
        var b = new SpanQuerySql(command);
        b.Select(SpanStoreSchema.SelectColumns, q, projectFqn, endNs, cursor);
        var order = q.Ascending ? "ASC" : "DESC";
        if (cursor is PageCursor c)
        {
            b._sql.Append(" AND (start_time_ns, span_id) ").Append(q.Ascending ? '>' : '<')
                .Append(" (").Append(b.Param(c.StartNs)).Append(", ").Append(b.Param(Convert.FromHexString(c.SpanId))).Append(')');
        }
        b._sql.Append(" ORDER BY start_time_ns ").Append(order).Append(", span_id ").Append(order);
        b._sql.Append(" LIMIT ").Append(fetch.ToString(CultureInfo.InvariantCulture));
        command.CommandText = b._sql.ToString();
    }

    /// <summary>
    /// <c>SELECT columns FROM spans WHERE</c> the query's conditions, unordered, at most
    /// <paramref name="limit"/> rows: the spans an aggregate over a query reads (Spans/SpanSummaryHandler).
    /// Returns the SQL; its parameters are added to <paramref name="command"/>.
    /// </summary>
    public static string Matching(SqliteCommand command, string columns, SpanQuery q, string projectFqn, long endNs, int limit)
    {
        var b = new SpanQuerySql(command);
        b.Select(columns, q, projectFqn, endNs, cursor: null);
        b._sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        return b._sql.ToString();
    }

    private void Select(string columns, SpanQuery q, string projectFqn, long endNs, PageCursor? cursor)
    {
        _sql.Append("SELECT ").Append(columns).Append(" FROM spans");
        // Pin the plan for the shapes whose cost matters most; SQLite has no statistics to go on.
        if (q.TraceIds.Count > 0) _sql.Append(" INDEXED BY ").Append(SpanStoreSchema.IndexTrace);
        else if (q.RootsOnly) _sql.Append(" INDEXED BY ").Append(SpanStoreSchema.IndexRoot);

        _sql.Append(" WHERE project = ").Append(SpanStoreSchema.IdOf(Param(projectFqn)));
        // After the first page the cursor replaces the window's bound on its side, so the index range
        // starts at the cursor instead of every page scanning from the window's edge again.
        var low = q.StartNs;
        var high = endNs;
        if (cursor is PageCursor at)
        {
            if (q.Ascending) low = Math.Max(low, at.StartNs);
            else high = Math.Min(high, at.StartNs);
        }
        _sql.Append(" AND start_time_ns >= ").Append(Param(low));
        _sql.Append(" AND start_time_ns <= ").Append(Param(high));
        TraceIds(q.TraceIds);
        Ids("span_id", q.SpanIds);
        if (q.RootsOnly)
        {
            // A literal, not a parameter: it is what lets SQLite use the partial index of roots.
            _sql.Append(" AND parent_span_id = x''");
        }
        else if (q.ParentSpanIds.Count > 0)
        {
            var roots = q.ParentSpanIds.Contains("");
            var parents = q.ParentSpanIds.Where(id => id.Length > 0).ToList();
            _sql.Append(" AND (");
            if (roots) _sql.Append("parent_span_id = x''").Append(parents.Count > 0 ? " OR " : "");
            if (parents.Count > 0) _sql.Append("parent_span_id IN ").Append(IdList(parents).Sql);
            _sql.Append(')');
        }
        Strings("subject_type", q.CreatedBySubjectTypes);
        Strings("subject_slug", q.CreatedBySubjectSlugs);
        Strings("application", q.ApplicationNames);
        foreach (var f in q.Filters) Filter(f);
    }

    private string Param(object value)
    {
        var name = "$p" + _next++.ToString(CultureInfo.InvariantCulture);
        _command.Parameters.AddWithValue(name, value);
        return name;
    }

    /// <summary>A column of <c>span_strings</c> ids, matched against strings.</summary>
    private void Strings(string column, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        _sql.Append(" AND ").Append(column);
        if (values.Count == 1)
        {
            _sql.Append(" = ").Append(SpanStoreSchema.IdOf(Param(values[0])));
            return;
        }
        _sql.Append(" IN (SELECT id FROM span_strings WHERE value IN ").Append(List(values)).Append(')');
    }

    /// <summary>Trace ids: the index's key (their first 8 bytes) finds the rows, the whole id picks them.</summary>
    private void TraceIds(IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        if (values.Count == 1)
        {
            var id = Param(Convert.FromHexString(values[0]));
            _sql.Append(" AND ").Append(SpanStoreSchema.TraceKey("trace_id")).Append(" = ").Append(SpanStoreSchema.TraceKey(id))
                .Append(" AND trace_id = ").Append(id);
            return;
        }
        var (bytes, list) = IdList(values);
        _sql.Append(" AND ").Append(SpanStoreSchema.TraceKey("trace_id")).Append(" IN ").Append(IdList(values.Count, 16, 8, bytes))
            .Append(" AND trace_id IN ").Append(list);
    }

    /// <summary>A column of ids stored as bytes, matched against hex ids (the parser checked their form).</summary>
    private void Ids(string column, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        _sql.Append(" AND ").Append(column);
        if (values.Count == 1)
        {
            _sql.Append(" = ").Append(Param(Convert.FromHexString(values[0])));
            return;
        }
        _sql.Append(" IN ").Append(IdList(values).Sql);
    }

    /// <summary>
    /// Ids of one width (trace ids 16 bytes, span ids 8) as one parameter: their bytes end to end, cut
    /// apart by a recursive CTE. JSON, which the other lists use, has no bytes, and SQLite 3.40 (the AOT
    /// binary's) has no unhex().
    /// </summary>
    /// <returns>The parameter's name and the subquery.</returns>
    private (string Bytes, string Sql) IdList(IReadOnlyList<string> hexIds)
    {
        var width = hexIds[0].Length / 2;
        var bytes = new byte[width * hexIds.Count];
        for (var i = 0; i < hexIds.Count; i++) Convert.FromHexString(hexIds[i], bytes.AsSpan(i * width, width), out _, out _);
        var name = Param(bytes);
        return (name, IdList(hexIds.Count, width, width, name));
    }

    /// <summary>The first <paramref name="take"/> bytes of each of <paramref name="count"/> ids of <paramref name="width"/> bytes in parameter <paramref name="bytes"/>.</summary>
    private static string IdList(int count, int width, int take, string bytes)
    {
        var c = count.ToString(CultureInfo.InvariantCulture);
        var w = width.ToString(CultureInfo.InvariantCulture);
        var t = take.ToString(CultureInfo.InvariantCulture);
        return $"(WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < {c}) SELECT substr({bytes}, n * {w} + 1, {t}) FROM i)";
    }

    private void Filter(SpanFilter f)
    {
        string source;
        string expression;
        switch (f.Target)
        {
            case SpanFilterTarget.Field:
                source = "";
                expression = SpanField.Find(f.Key)!.Sql;
                break;
            case SpanFilterTarget.Attribute:
                // The attribute blob (SpanBlobWriter), read by the store's SQL functions; source is the
                // value's JSON, for json_each.
                var key = Param(f.Key);
                expression = SpanStoreSchema.Attribute("spans", key);
                source = SpanStoreSchema.Attribute("spans", key, SpanSqlFunctions.AttributeJson);
                break;
            default:
                // Keys hold dots ("tfy.model.name"), so the path quotes them: $."tfy.model.name".
                var path = Param("$.\"" + f.Key + "\"");
                expression = $"json_extract(metadata, {path})";
                source = "metadata, " + path;
                break;
        }
        var v = f.Values;
        _sql.Append(" AND ");
        // Negations also match spans that lack the field: "not X" holds for a span without X.
        switch (f.Operator)
        {
            case SpanFilterOperator.Equal: _sql.Append(expression).Append(" = ").Append(Param(v[0])); break;
            case SpanFilterOperator.NotEqual: _sql.Append('(').Append(expression).Append(" IS NULL OR ").Append(expression).Append(" <> ").Append(Param(v[0])).Append(')'); break;
            case SpanFilterOperator.GreaterThan: _sql.Append(expression).Append(" > ").Append(Param(v[0])); break;
            case SpanFilterOperator.LessThan: _sql.Append(expression).Append(" < ").Append(Param(v[0])); break;
            case SpanFilterOperator.GreaterThanEqual: _sql.Append(expression).Append(" >= ").Append(Param(v[0])); break;
            case SpanFilterOperator.LessThanEqual: _sql.Append(expression).Append(" <= ").Append(Param(v[0])); break;
            case SpanFilterOperator.Between: _sql.Append(expression).Append(" BETWEEN ").Append(Param(v[0])).Append(" AND ").Append(Param(v[1])); break;
            case SpanFilterOperator.In: _sql.Append(expression).Append(" IN ").Append(List(v)); break;
            case SpanFilterOperator.NotIn: _sql.Append('(').Append(expression).Append(" IS NULL OR ").Append(expression).Append(" NOT IN ").Append(List(v)).Append(')'); break;
            case SpanFilterOperator.StringContains: _sql.Append("instr(").Append(expression).Append(", ").Append(Param(v[0])).Append(") > 0"); break;
            case SpanFilterOperator.StringNotContains: _sql.Append('(').Append(expression).Append(" IS NULL OR instr(").Append(expression).Append(", ").Append(Param(v[0])).Append(") = 0)"); break;
            case SpanFilterOperator.StringStartsWith: StartsWith(expression, v[0], negate: false); break;
            case SpanFilterOperator.StringNotStartsWith: StartsWith(expression, v[0], negate: true); break;
            case SpanFilterOperator.StringEndsWith: EndsWith(expression, v[0], negate: false); break;
            case SpanFilterOperator.StringNotEndsWith: EndsWith(expression, v[0], negate: true); break;
            case SpanFilterOperator.ArrayHasAny: Array(f, source, expression, v, negate: false); break;
            case SpanFilterOperator.ArrayHasNone: Array(f, source, expression, v, negate: true); break;
            case SpanFilterOperator.Present: _sql.Append(expression).Append(" IS NOT NULL"); break;
            case SpanFilterOperator.IsNull: _sql.Append(expression).Append(" IS NULL"); break;
        }
    }

    private void StartsWith(string x, object value, bool negate)
    {
        var p = Param(value);
        var test = $"substr({x}, 1, length({p})) = {p}";
        _sql.Append(negate ? $"({x} IS NULL OR NOT ({test}))" : test);
    }

    private void EndsWith(string x, object value, bool negate)
    {
        // Values are non-empty (the parser checks), so substr(x, -n) is the last n characters.
        var p = Param(value);
        var test = $"substr({x}, -length({p})) = {p}";
        _sql.Append(negate ? $"({x} IS NULL OR NOT ({test}))" : test);
    }

    private void Array(SpanFilter f, string source, string expression, IReadOnlyList<object> values, bool negate)
    {
        if (f.Target == SpanFilterTarget.Field)
        {
            // A span field holds one value: "has any of" is IN.
            if (negate) _sql.Append('(').Append(expression).Append(" IS NULL OR ").Append(expression).Append(" NOT IN ").Append(List(values)).Append(')');
            else _sql.Append(expression).Append(" IN ").Append(List(values));
            return;
        }
        // json_each over a JSON array yields its elements; over a scalar, the scalar itself.
        _sql.Append(negate ? "NOT " : "").Append("EXISTS (SELECT 1 FROM json_each(").Append(source).Append(") WHERE value IN ").Append(List(values)).Append(')');
    }

    /// <summary>A subquery over one JSON-array parameter: strings stay TEXT, whole numbers INTEGER, others REAL, as separate parameters would bind.</summary>
    private string List(IReadOnlyList<object> values)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * values.Count + 2);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var v in values)
            {
                switch (v)
                {
                    case string text: w.WriteStringValue(text); break;
                    case long whole: w.WriteNumberValue(whole); break;
                    case double real: w.WriteNumberValue(real); break;
                    default: throw new ArgumentException($"unexpected filter value type {v.GetType().Name}", nameof(values));
                }
            }
            w.WriteEndArray();
        }
        return "(SELECT value FROM json_each(" + Param(Encoding.UTF8.GetString(buffer.WrittenSpan)) + "))";
    }
}
