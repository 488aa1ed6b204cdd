using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Proxy;

namespace Gateway.Tracing;

/// <summary>
/// One <see cref="Utf8JsonWriter"/> and pooled buffer per thread for the JSON-valued span attributes
/// (<c>tfy.output</c>, tool calls, metadata). A writer over a fresh buffer asks for 4 KB up front, so
/// building a 100-byte attribute used to allocate and zero 4 KB on every request (issue #11 profile).
/// Writing is synchronous, so a thread's writer is never in use twice.
/// </summary>
internal static class JsonScratch
{
    private const int KeepAtMost = 64 * 1024;
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic] private static PooledByteWriter? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>Writes JSON with <paramref name="write"/> and returns it as a string of at most <paramref name="maxChars"/>.</summary>
    public static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> write, int maxChars = int.MaxValue)
    {
        var buffer = t_buffer ??= new PooledByteWriter(1024);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, s_options);
        buffer.Clear();
        writer.Reset(buffer);
        try
        {
            write(writer, state);
            writer.Flush();
            return SpanText.Utf8(buffer.WrittenSpan, maxChars);
        }
        finally
        {
            writer.Reset(buffer);
            if (buffer.WrittenCount > KeepAtMost)
            {
                // A rare huge value: give its array back rather than holding it on this thread.
                buffer.Dispose();
                t_buffer = null;
                t_writer = null;
            }
            else
            {
                buffer.Clear();
            }
        }
    }
}
