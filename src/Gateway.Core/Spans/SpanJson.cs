using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Spans;

/// <summary>Writes span attribute values as typed JSON, so numeric and boolean filters compare as numbers and booleans.</summary>
internal static class SpanJson
{
    // Attribute values are prompts and completions: keep them readable, they are never embedded in HTML.
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case short sh: w.WriteNumberValue(sh); break;
            case byte by: w.WriteNumberValue(by); break;
            case uint ui: w.WriteNumberValue(ui); break;
            case ulong ul: w.WriteNumberValue(ul); break;
            case double d: WriteDouble(w, d); break;
            case float f: WriteDouble(w, f); break;
            case decimal m: w.WriteNumberValue(m); break;
            case string[] strings:
                w.WriteStartArray();
                foreach (var s in strings) w.WriteStringValue(s);
                w.WriteEndArray();
                break;
            case IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items) WriteValue(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>JSON has no NaN or infinity; those are kept as their names in strings.</summary>
    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d)) w.WriteNumberValue(d);
        else w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
    }
}
