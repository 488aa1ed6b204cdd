using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Config;

/// <summary>
/// Converts a YAML value to JSON text (for <c>override_params</c>) with YAML 1.2 core-schema typing:
/// plain <c>0.2</c> is a number, plain <c>true</c> a boolean, plain <c>null</c>/<c>~</c> null, and
/// anything quoted a string.
/// </summary>
internal static class YamlJson
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[]? ToJson(YamlReader r, YamlNode node, string path)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var errorsBefore = r.Errors.Count;
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            Write(r, node, path, writer, 0);
        }
        return r.Errors.Count == errorsBefore ? buffer.WrittenSpan.ToArray() : null;
    }

    private static void Write(YamlReader r, YamlNode node, string path, Utf8JsonWriter w, int depth)
    {
        if (depth > 32)
        {
            r.Error(node, path, "nested too deeply");
            return;
        }
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    var name = (k as YamlScalarNode)?.Value ?? "";
                    w.WritePropertyName(name);
                    Write(r, v, path + "." + name, w, depth + 1);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                for (var i = 0; i < seq.Children.Count; i++) Write(r, seq.Children[i], $"{path}[{i}]", w, depth + 1);
                w.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(r, scalar, path, w);
                break;
            default:
                r.Error(node, path, "unsupported YAML node");
                break;
        }
    }

    private static void WriteScalar(YamlReader r, YamlScalarNode scalar, string path, Utf8JsonWriter w)
    {
        if (scalar.Style == ScalarStyle.Plain)
        {
            switch (scalar.Value)
            {
                case null or "" or "~" or "null" or "Null" or "NULL": w.WriteNullValue(); return;
                case "true" or "True" or "TRUE": w.WriteBooleanValue(true); return;
                case "false" or "False" or "FALSE": w.WriteBooleanValue(false); return;
            }
        }
        var text = r.String(scalar, path);
        if (text is null) return;
        if (scalar.Style == ScalarStyle.Plain)
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                w.WriteNumberValue(l);
                return;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                w.WriteNumberValue(d);
                return;
            }
        }
        w.WriteStringValue(text);
    }
}
