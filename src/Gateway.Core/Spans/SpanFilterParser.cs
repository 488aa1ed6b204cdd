using System.Text.Json;

namespace Gateway.Spans;

/// <summary>
/// Reads <c>filters[]</c>: each entry names exactly one of <c>spanFieldName</c>,
/// <c>spanAttributeKey</c> or <c>gatewayRequestMetadataKey</c>, an <c>operator</c>, and a <c>value</c>
/// whose shape the operator fixes.
/// </summary>
internal static class SpanFilterParser
{
    // The bounds, documented in README.md ("Bounds"): a query is an interactive read, and these keep
    // its parse, its SQL and its per-row work small whatever the body holds.
    internal const int MaxFilters = 64;
    internal const int MaxValues = 1000;
    internal const int MaxKeyLength = 256;

    private static readonly Dictionary<string, SpanFilterOperator> s_operators = new(StringComparer.Ordinal)
    {
        ["EQUAL"] = SpanFilterOperator.Equal,
        ["NOT_EQUAL"] = SpanFilterOperator.NotEqual,
        ["GREATER_THAN"] = SpanFilterOperator.GreaterThan,
        ["LESS_THAN"] = SpanFilterOperator.LessThan,
        ["GREATER_THAN_EQUAL"] = SpanFilterOperator.GreaterThanEqual,
        ["LESS_THAN_EQUAL"] = SpanFilterOperator.LessThanEqual,
        ["BETWEEN"] = SpanFilterOperator.Between,
        ["IN"] = SpanFilterOperator.In,
        ["NOT_IN"] = SpanFilterOperator.NotIn,
        ["STRING_CONTAINS"] = SpanFilterOperator.StringContains,
        ["STRING_NOT_CONTAINS"] = SpanFilterOperator.StringNotContains,
        ["STRING_STARTS_WITH"] = SpanFilterOperator.StringStartsWith,
        ["STRING_NOT_STARTS_WITH"] = SpanFilterOperator.StringNotStartsWith,
        ["STRING_ENDS_WITH"] = SpanFilterOperator.StringEndsWith,
        ["STRING_NOT_ENDS_WITH"] = SpanFilterOperator.StringNotEndsWith,
        ["ARRAY_HAS_ANY"] = SpanFilterOperator.ArrayHasAny,
        ["ARRAY_HAS_NONE"] = SpanFilterOperator.ArrayHasNone,
        ["PRESENT"] = SpanFilterOperator.Present,
        ["IS_NULL"] = SpanFilterOperator.IsNull,
    };

    private static readonly string[] s_filterFields = ["spanFieldName", "spanAttributeKey", "gatewayRequestMetadataKey", "operator", "value"];

    public static IReadOnlyList<SpanFilter> ParseAll(JsonElement v, string name)
    {
        if (v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new SpanQueryException(name, $"'{name}' must be a list of filter objects, got {SpanQueryParser.Kind(v)}.");
        if (v.GetArrayLength() > MaxFilters) throw new SpanQueryException(name, $"'{name}' has more than {MaxFilters} filters.");
        var list = new List<SpanFilter>();
        var i = 0;
        foreach (var item in v.EnumerateArray()) list.Add(Parse(item, $"{name}[{i++}]"));
        return list;
    }

    public static bool TryGetOperator(string name, out SpanFilterOperator op) => s_operators.TryGetValue(name, out op);

    /// <summary>
    /// The key becomes a quoted JSON path (<c>$."key"</c>): a quote or backslash would end or escape it,
    /// and a control character either makes SQLite's path parser fail (NUL cuts the path short, which
    /// surfaced as a 500 "JSON path error") or names a key no span has.
    /// </summary>
    internal static bool IsValidKey(string key)
    {
        if (key.Length is 0 or > MaxKeyLength) return false;
        foreach (var c in key)
        {
            if (c is '"' or '\\' || char.IsControl(c)) return false;
        }
        return true;
    }

    public static string OperatorName(SpanFilterOperator op)
    {
        foreach (var (k, v) in s_operators)
        {
            if (v == op) return k;
        }
        throw new ArgumentOutOfRangeException(nameof(op));
    }

    private static SpanFilter Parse(JsonElement f, string path)
    {
        if (f.ValueKind != JsonValueKind.Object) throw new SpanQueryException(path, $"'{path}' must be an object, got {SpanQueryParser.Kind(f)}.");
        SpanFilterTarget? target = null;
        string? key = null, opName = null;
        JsonElement value = default;
        var hasValue = false;
        foreach (var p in f.EnumerateObject())
        {
            switch (p.Name)
            {
                case "spanFieldName" or "spanAttributeKey" or "gatewayRequestMetadataKey":
                    if (target is not null)
                    {
                        throw new SpanQueryException(path, $"'{path}' names more than one of spanFieldName, spanAttributeKey and gatewayRequestMetadataKey.");
                    }
                    target = p.Name switch
                    {
                        "spanFieldName" => SpanFilterTarget.Field,
                        "spanAttributeKey" => SpanFilterTarget.Attribute,
                        _ => SpanFilterTarget.Metadata,
                    };
                    if (p.Value.ValueKind != JsonValueKind.String) throw new SpanQueryException($"{path}.{p.Name}", $"'{path}.{p.Name}' must be a string.");
                    key = SpanQueryParser.Text(p.Value, $"{path}.{p.Name}");
                    break;
                case "operator":
                    if (p.Value.ValueKind != JsonValueKind.String) throw new SpanQueryException($"{path}.operator", $"'{path}.operator' must be a string.");
                    opName = SpanQueryParser.Text(p.Value, $"{path}.operator");
                    break;
                case "value":
                    value = p.Value;
                    hasValue = p.Value.ValueKind != JsonValueKind.Null;
                    break;
                default:
                    throw new SpanQueryException($"{path}.{p.Name}", $"Unknown field '{p.Name}' in '{path}'. Expected one of: {string.Join(", ", s_filterFields)}.");
            }
        }
        if (target is null || key is null)
        {
            throw new SpanQueryException(path, $"'{path}' must name one of spanFieldName, spanAttributeKey or gatewayRequestMetadataKey.");
        }
        if (opName is null) throw new SpanQueryException($"{path}.operator", $"'{path}.operator' is required.");
        if (!s_operators.TryGetValue(opName, out var op))
        {
            throw new SpanQueryException($"{path}.operator", $"Unknown operator '{opName}' in '{path}'. Expected one of: {string.Join(", ", s_operators.Keys)}.");
        }

        SpanField? field = null;
        switch (target)
        {
            case SpanFilterTarget.Field:
                field = SpanField.Find(key);
                if (field is null)
                {
                    throw new SpanQueryException($"{path}.spanFieldName", key == "tag"
                        ? "spanFieldName 'tag' is not supported by this gateway; filter on the attribute with spanAttributeKey."
                        : $"Unknown spanFieldName '{key}'. Expected one of: {string.Join(", ", SpanField.Names)}.");
                }
                break;
            case SpanFilterTarget.Attribute or SpanFilterTarget.Metadata:
                if (!IsValidKey(key))
                {
                    var keyPath = $"{path}.{(target == SpanFilterTarget.Attribute ? "spanAttributeKey" : "gatewayRequestMetadataKey")}";
                    throw new SpanQueryException(keyPath, $"'{keyPath}' is not a valid key: 1 to {MaxKeyLength} characters, no control characters, '\"' or '\\'.");
                }
                break;
        }

        var values = Values(op, hasValue, value, path);
        var valuePath = path + ".value";
        foreach (var item in values)
        {
            if (field is not null)
            {
                if (field.Numeric && item is string) throw new SpanQueryException(valuePath, $"'{key}' compares with numbers; got a string.");
                if (!field.Numeric && item is not string) throw new SpanQueryException(valuePath, $"'{key}' compares with strings.");
            }
            if (target == SpanFilterTarget.Metadata && item is not string)
            {
                throw new SpanQueryException(valuePath, "Request metadata values are strings; quote the value.");
            }
            if (op is >= SpanFilterOperator.StringContains and <= SpanFilterOperator.StringNotEndsWith && item is not string { Length: > 0 })
            {
                throw new SpanQueryException(valuePath, $"{opName} takes a non-empty string 'value'.");
            }
        }
        if (field?.Normalize is { } normalize)
        {
            var normalized = new object[values.Count];
            for (var i = 0; i < values.Count; i++)
            {
                normalized[i] = normalize((string)values[i]) ?? throw new SpanQueryException(valuePath, $"'{values[i]}' is not a valid {key}. Expected one of: {field.Allowed}.");
            }
            values = normalized;
        }
        return new SpanFilter { Target = target.Value, Key = key, Operator = op, Values = values };
    }

    private static IReadOnlyList<object> Values(SpanFilterOperator op, bool hasValue, JsonElement value, string path)
    {
        var valuePath = path + ".value";
        var name = OperatorName(op);
        switch (op)
        {
            case SpanFilterOperator.Present or SpanFilterOperator.IsNull:
                if (hasValue) throw new SpanQueryException(valuePath, $"{name} takes no 'value'.");
                return [];
            case SpanFilterOperator.Between:
                if (!hasValue || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
                {
                    throw new SpanQueryException(valuePath, "BETWEEN takes a 'value' list of two bounds, [low, high].");
                }
                return [Scalar(value[0], valuePath + "[0]"), Scalar(value[1], valuePath + "[1]")];
            case SpanFilterOperator.In or SpanFilterOperator.NotIn or SpanFilterOperator.ArrayHasAny or SpanFilterOperator.ArrayHasNone:
                if (!hasValue || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxValues)
                {
                    throw new SpanQueryException(valuePath, $"{name} takes a 'value' list of 1 to {MaxValues} values.");
                }
                var list = new List<object>(value.GetArrayLength());
                var i = 0;
                foreach (var item in value.EnumerateArray()) list.Add(Scalar(item, $"{valuePath}[{i++}]"));
                return list;
            default:
                if (!hasValue) throw new SpanQueryException(valuePath, $"{name} takes a 'value'.");
                return [Scalar(value, valuePath)];
        }
    }

    private static object Scalar(JsonElement v, string path) => v.ValueKind switch
    {
        JsonValueKind.String => SpanQueryParser.Text(v, path),
        JsonValueKind.Number => v.TryGetInt64(out var l) ? l : v.GetDouble(),
        // SQLite's JSON functions read true/false as 1/0; comparing with those matches.
        JsonValueKind.True => 1L,
        JsonValueKind.False => 0L,
        _ => throw new SpanQueryException(path, $"'{path}' must be a string, number or boolean, got {SpanQueryParser.Kind(v)}."),
    };
}
