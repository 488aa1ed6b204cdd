using System.Buffers;
using System.Text.Json;
using Gateway.OpenAI;
using Gateway.Routing;

namespace Gateway.Proxy;

/// <summary>
/// Rewrites the request body for one target in a single copy (DESIGN.md decision 1): the model value
/// becomes the target's upstream name, and each <c>override_params</c> field replaces the value of
/// that top-level key, or is appended before the closing brace when the client did not send it.
/// Every other byte, whitespace and key order included, is copied as the client sent it.
/// </summary>
internal static class BodyRewriter
{
    private readonly record struct Splice(int Start, int End, int Field);

    // Field index meaning "the model value".
    private const int ModelField = -1;

    /// <param name="buffer">The client's body; the caller holds a reference for the duration of the call.</param>
    public static PooledContent Rewrite(PooledBuffer buffer, int length, in RequestHead head, ModelTarget target, OverrideParams? overrides)
    {
        var body = buffer.Array;
        var replacement = target.UpstreamModelJson;
        var start = head.ModelTokenStart;
        var oldLength = head.ModelTokenLength;
        if (overrides is null)
        {
            var current = body.AsSpan(start + 1, oldLength - 2);
            if (current.SequenceEqual(replacement))
            {
                // Nothing to change: send the body itself, holding a reference on it while any send runs.
                return new PooledContent(buffer, length);
            }
            var newLength = length - oldLength + replacement.Length + 2;
            var copy = ArrayPool<byte>.Shared.Rent(newLength);
            body.AsSpan(0, start).CopyTo(copy);
            var at = start;
            copy[at++] = (byte)'"';
            replacement.CopyTo(copy.AsSpan(at));
            at += replacement.Length;
            copy[at++] = (byte)'"';
            body.AsSpan(start + oldLength, length - start - oldLength).CopyTo(copy.AsSpan(at));
            return new PooledContent(copy, newLength);
        }
        return RewriteWithOverrides(body, length, start, oldLength, replacement, overrides);
    }

    private static PooledContent RewriteWithOverrides(byte[] body, int length, int modelStart, int modelLength, byte[] model, OverrideParams overrides)
    {
        var splices = new List<Splice>(overrides.Count + 1) { new(modelStart, modelStart + modelLength, ModelField) };
        Span<bool> present = stackalloc bool[overrides.Count];
        var closing = FindFields(body.AsSpan(0, length), overrides, splices, present);
        splices.Sort(static (a, b) => a.Start.CompareTo(b.Start));

        var size = length;
        foreach (var s in splices) size += (s.Field == ModelField ? model.Length + 2 : overrides.Values[s.Field].Length) - (s.End - s.Start);
        for (var f = 0; f < overrides.Count; f++)
        {
            if (!present[f]) size += 2 + overrides.QuotedNames[f].Length + overrides.Values[f].Length;
        }

        var copy = ArrayPool<byte>.Shared.Rent(size);
        var output = copy.AsSpan();
        var read = 0;
        var at = 0;
        foreach (var s in splices)
        {
            body.AsSpan(read, s.Start - read).CopyTo(output[at..]);
            at += s.Start - read;
            if (s.Field == ModelField)
            {
                output[at++] = (byte)'"';
                model.CopyTo(output[at..]);
                at += model.Length;
                output[at++] = (byte)'"';
            }
            else
            {
                overrides.Values[s.Field].CopyTo(output[at..]);
                at += overrides.Values[s.Field].Length;
            }
            read = s.End;
        }
        body.AsSpan(read, closing - read).CopyTo(output[at..]);
        at += closing - read;
        for (var f = 0; f < overrides.Count; f++)
        {
            if (present[f]) continue;
            // The object holds at least "model", so a new member always follows another.
            output[at++] = (byte)',';
            overrides.QuotedNames[f].CopyTo(output[at..]);
            at += overrides.QuotedNames[f].Length;
            output[at++] = (byte)':';
            overrides.Values[f].CopyTo(output[at..]);
            at += overrides.Values[f].Length;
        }
        body.AsSpan(closing, length - closing).CopyTo(output[at..]);
        at += length - closing;
        return new PooledContent(copy, at);
    }

    /// <summary>
    /// Finds the value spans of the overridden top-level keys (every occurrence) and returns the offset
    /// of the closing brace. The body was validated by <see cref="RequestHead.TryRead"/>.
    /// </summary>
    private static int FindFields(ReadOnlySpan<byte> json, OverrideParams overrides, List<Splice> splices, Span<bool> present)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        reader.Read();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) return (int)reader.TokenStartIndex;
            var field = -1;
            for (var f = 0; f < overrides.Count; f++)
            {
                if (JsonText.TextEquals(ref reader, overrides.Names[f]))
                {
                    field = f;
                    break;
                }
            }
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            int valueEnd;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    reader.Skip();
                    valueEnd = (int)reader.TokenStartIndex + 1;
                    break;
                case JsonTokenType.String:
                    valueEnd = (int)reader.TokenStartIndex + reader.ValueSpan.Length + 2;
                    break;
                default:
                    valueEnd = (int)reader.TokenStartIndex + reader.ValueSpan.Length;
                    break;
            }
            if (field >= 0)
            {
                present[field] = true;
                splices.Add(new Splice(valueStart, valueEnd, field));
            }
        }
        throw new InvalidOperationException("unreachable: the body is a validated JSON object");
    }
}
