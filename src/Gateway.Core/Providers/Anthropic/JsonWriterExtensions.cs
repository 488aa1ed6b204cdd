using System.Text.Json;

namespace Gateway.Providers.Anthropic;

internal static class JsonWriterExtensions
{
    /// <summary>For translated bodies: JSON for API clients, never embedded in HTML, so text stays as written (no \u0022).</summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a property name and hands the writer back for its value: <c>value.WriteTo(w.Property("x"))</c>.</summary>
    public static Utf8JsonWriter Property(this Utf8JsonWriter writer, string name)
    {
        writer.WritePropertyName(name);
        return writer;
    }
}
