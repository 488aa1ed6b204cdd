using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Binds a YAML document to a record of <see cref="ConfigJsonContext"/>. The YAML is rewritten as JSON in the
/// record's shape, read from the generated metadata (no reflection): a mapping's keys must be the record's
/// properties, and each scalar is converted to its property's type after <see cref="EnvInterpolation"/>, so
/// the target decides, not YAML's guess (<c>name: 123</c> is a string, <c>"429"</c> a status code). Every
/// problem is reported with its line and the value left out, so its default applies and the rest of the file
/// is still checked; then the generated deserializer builds the records.
/// </summary>
internal sealed class YamlBinder(ConfigErrors errors, Func<string, string?> getEnv)
{
    private const int MaxDepth = 32;

    // `models: [gpt-4o]`: a model may be written as its name alone.
    private static readonly Dictionary<Type, string> s_shorthands = new() { [typeof(ConfigFile.Model)] = "name" };

    private readonly JsonSerializerOptions _options = ConfigJsonContext.File.Options;

    public T? Bind<T>(YamlNode root, JsonTypeInfo<T> info)
    {
        errors.Locate("", root.Start, root);
        if (!TryConvert(root, info, "", out var json)) return default;
        try
        {
            return json.Deserialize(info);
        }
        catch (JsonException e)
        {
            // Unreachable while the conversion above mirrors the records; kept so a gap names its field.
            errors.Add(e.Path?.TrimStart('$', '.') ?? "", e.Message);
            return default;
        }
    }

    private bool TryConvert(YamlNode node, JsonTypeInfo info, string path, out JsonNode? json)
    {
        json = null;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is YamlScalarNode && s_shorthands.TryGetValue(info.Type, out var property):
                if (!TryScalar(node, typeof(string), path, out var name)) return false;
                json = new JsonObject { [property] = name };
                return true;
            case JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary:
                if (node is not YamlMappingNode map) return Fail(path, "expected a mapping");
                var obj = new JsonObject();
                var element = info.Kind == JsonTypeInfoKind.Dictionary ? _options.GetTypeInfo(info.ElementType!) : null;
                foreach (var (keyNode, value) in map.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? "";
                    var p = path.Length == 0 ? key : path + "." + key;
                    errors.Locate(p, keyNode.Start, value);
                    var target = element ?? PropertyType(info, key);
                    if (target is null)
                    {
                        errors.AddAtKey(p, $"unknown field (expected one of: {string.Join(", ", info.Properties.Select(x => x.Name))})");
                    }
                    else if (TryConvert(value, target, p, out var v))
                    {
                        obj[key] = v;
                    }
                }
                json = obj;
                return true;
            case JsonTypeInfoKind.Enumerable:
                if (node is not YamlSequenceNode seq) return Fail(path, "expected a list");
                var array = new JsonArray();
                var item = _options.GetTypeInfo(info.ElementType!);
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    var p = $"{path}[{i}]";
                    errors.Locate(p, seq.Children[i].Start, seq.Children[i]);
                    if (TryConvert(seq.Children[i], item, p, out var v)) array.Add(v);
                }
                json = array;
                return true;
            case JsonTypeInfoKind.None when info.Type == typeof(JsonElement):
                return TryUntyped(node, path, 0, out json);
            default:
                return TryScalar(node, Nullable.GetUnderlyingType(info.Type) ?? info.Type, path, out json);
        }
    }

    private JsonTypeInfo? PropertyType(JsonTypeInfo record, string name)
    {
        foreach (var property in record.Properties)
        {
            if (property.Name == name) return _options.GetTypeInfo(property.PropertyType);
        }
        return null;
    }

    private bool TryScalar(YamlNode node, Type type, string path, out JsonNode? json)
    {
        json = null;
        var expected = type == typeof(string) ? "a string"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "an integer"
            : type == typeof(double) ? "a number"
            : type.IsEnum ? EnumNames(type)
            : throw new NotSupportedException($"config field type {type}");
        if (node is not YamlScalarNode scalar) return Fail(path, "expected " + expected);
        if (!EnvInterpolation.TryExpand(scalar.Value ?? "", getEnv, out var text, out var error)) return Fail(path, error!);
        if (type == typeof(string))
        {
            json = text;
        }
        else if (type == typeof(bool))
        {
            json = text switch
            {
                "true" or "True" or "yes" => true,
                "false" or "False" or "no" => false,
                _ => null,
            };
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            // YAML 1.1 writes 5_000_000 for readability.
            if (long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
            {
                if (type == typeof(int) && l is < int.MinValue or > int.MaxValue) return Fail(path, $"expected a 32-bit integer, got '{text}'");
                json = l;
            }
        }
        else if (type == typeof(double))
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) json = d;
        }
        else
        {
            var name = Array.Find(Enum.GetNames(type), n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n) == text);
            if (name is not null) json = name;
        }
        return json is not null || Fail(path, $"expected {expected}, got '{text}'");
    }

    private static string EnumNames(Type type)
    {
        var names = Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToList();
        return names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    /// <summary>
    /// Any value (<c>override_params</c>), typed as YAML 1.2's core schema: plain <c>0.2</c> is a number, plain
    /// <c>true</c> a boolean, plain <c>null</c> or <c>~</c> null, and anything quoted a string.
    /// </summary>
    private bool TryUntyped(YamlNode node, string path, int depth, out JsonNode? json)
    {
        json = null;
        if (depth > MaxDepth) return Fail(path, "nested too deeply");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var name = (k as YamlScalarNode)?.Value ?? "";
                    if (!TryUntyped(v, path + "." + name, depth + 1, out var child)) return false;
                    obj[name] = child;
                }
                json = obj;
                return true;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (!TryUntyped(seq.Children[i], $"{path}[{i}]", depth + 1, out var child)) return false;
                    array.Add(child);
                }
                json = array;
                return true;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" }:
                return true;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "True" or "TRUE" }:
                json = true;
                return true;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" or "False" or "FALSE" }:
                json = false;
                return true;
            case YamlScalarNode scalar:
                if (!EnvInterpolation.TryExpand(scalar.Value ?? "", getEnv, out var text, out var error)) return Fail(path, error!);
                json = scalar.Style != ScalarStyle.Plain ? text
                    : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l
                    : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d
                    : text;
                return true;
            default:
                return Fail(path, "unsupported YAML node");
        }
    }

    private bool Fail(string path, string message)
    {
        errors.Add(path, message);
        return false;
    }
}
