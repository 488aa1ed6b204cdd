using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Spans;

namespace Gateway;

/// <summary>
/// <c>gateway spans query</c>: the query API from a shell, against a running gateway. Sends the same
/// JSON body a client would and prints a table or the combined JSON; the flags are <see cref="SpansQueryCommand"/>'s.
/// </summary>
internal static class SpansCli
{
    private static readonly Dictionary<string, string> s_symbols = new(StringComparer.Ordinal)
    {
        ["="] = "EQUAL", ["=="] = "EQUAL", ["!="] = "NOT_EQUAL", [">"] = "GREATER_THAN", ["<"] = "LESS_THAN",
        [">="] = "GREATER_THAN_EQUAL", ["<="] = "LESS_THAN_EQUAL", ["~"] = "STRING_CONTAINS",
    };

    public static async Task<int> QueryAsync(SpansQueryOptions o, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(o.Url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (!string.IsNullOrEmpty(o.ApiKey)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.ApiKey);
        var token = o.PageToken;
        var all = new List<JsonElement>();
        var first = true;
        string? next;
        do
        {
            var body = Body(o, token);
            HttpResponseMessage response;
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                response = await http.PostAsync(SpanQueryHandler.Path.TrimStart('/'), content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await stderr.WriteLineAsync($"gateway spans query: cannot reach {o.Url}: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            using (response)
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    await stderr.WriteLineAsync($"gateway spans query: {(int)response.StatusCode} {ErrorMessage(bytes)}").ConfigureAwait(false);
                    return 1;
                }
                using var doc = JsonDocument.Parse(bytes);
                next = doc.RootElement.GetProperty("pagination").GetProperty("nextPageToken").GetString();
                if (o.Json)
                {
                    foreach (var span in doc.RootElement.GetProperty("data").EnumerateArray()) all.Add(span.Clone());
                }
                else
                {
                    await WriteTableAsync(stdout, doc.RootElement.GetProperty("data"), header: first).ConfigureAwait(false);
                }
            }
            first = false;
            token = next;
        }
        while (o.All && next is not null);

        if (o.Json)
        {
            await stdout.WriteLineAsync(Combine(all, next)).ConfigureAwait(false);
        }
        else if (next is not null)
        {
            await stderr.WriteLineAsync("more: --page-token " + next).ConfigureAwait(false);
        }
        return 0;
    }

    private static string Combine(List<JsonElement> spans, string? next)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var s in spans) s.WriteTo(w);
            w.WriteEndArray();
            w.WriteStartObject("pagination");
            if (next is null) w.WriteNull("nextPageToken"); else w.WriteString("nextPageToken", next);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static async Task WriteTableAsync(TextWriter stdout, JsonElement data, bool header)
    {
        var rows = new List<string[]>();
        if (header) rows.Add(["START (UTC)", "DURATION", "NAME", "TRACE ID", "SPAN ID", "PARENT", "SUBJECT", "STATUS"]);
        foreach (var s in data.EnumerateArray())
        {
            var subject = s.GetProperty("createdBySubject");
            var ms = s.GetProperty("durationNs").GetInt64() / 1e6;
            rows.Add(
            [
                s.GetProperty("startTime").GetString()!,
                ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
                s.GetProperty("spanName").GetString()!,
                s.GetProperty("traceId").GetString()!,
                s.GetProperty("spanId").GetString()!,
                s.GetProperty("parentSpanId").GetString() is { Length: > 0 } parent ? parent : "-",
                subject.ValueKind == JsonValueKind.Object ? subject.GetProperty("subjectType").GetString() + ":" + subject.GetProperty("subjectSlug").GetString() : "-",
                s.GetProperty("statusCode").GetString()!,
            ]);
        }
        if (rows.Count == 0) return;
        var widths = new int[rows[0].Length];
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        }
        var line = new StringBuilder();
        foreach (var r in rows)
        {
            line.Clear();
            for (var i = 0; i < r.Length; i++)
            {
                if (i > 0) line.Append("  ");
                line.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i]));
            }
            await stdout.WriteLineAsync(line.ToString()).ConfigureAwait(false);
        }
    }

    /// <summary>The message of an OpenAI-style error body, or the body as text (the CLI commands print it).</summary>
    internal static string ErrorMessage(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("error").GetProperty("message").GetString() ?? "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Encoding.UTF8.GetString(body);
        }
    }

    internal static byte[] Body(SpansQueryOptions o, string? pageToken)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (o.Project is not null) w.WriteString("tracingProjectFqn", o.Project);
            w.WriteString("startTime", o.Start);
            if (o.End is not null) w.WriteString("endTime", o.End);
            Strings(w, "traceIds", o.TraceIds);
            Strings(w, "spanIds", o.SpanIds);
            if (o.Root) Strings(w, "parentSpanIds", [""]);
            Strings(w, "createdBySubjectTypes", o.SubjectTypes);
            Strings(w, "createdBySubjectSlugs", o.SubjectSlugs);
            Strings(w, "applicationNames", o.Applications);
            if (o.Filters.Count > 0)
            {
                w.WriteStartArray("filters");
                foreach (var f in o.Filters) w.WriteRawValue(f);
                w.WriteEndArray();
            }
            if (o.Limit is int limit) w.WriteNumber("limit", limit);
            if (o.Sort is not null) w.WriteString("sortDirection", o.Sort);
            if (pageToken is not null) w.WriteString("pageToken", pageToken);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>ISO 8601 as given, or an age (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c>) turned into the time that long ago.</summary>
    internal static string Time(string text, TimeProvider time)
    {
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && text[^1] is 's' or 'm' or 'h' or 'd'
            && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            var age = text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
            return (time.GetUtcNow() - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        }
        // Checked here so a typo fails before the request; the gateway checks again.
        if (!UnixTime.TryParseIso(text, out _)) throw new FormatException($"'{text}' is neither an ISO 8601 time nor an age such as 15m, 1h or 7d.");
        return text;
    }

    /// <summary><c>SCOPE:KEY OP [VALUE]</c> to one filter object of the API.</summary>
    internal static string Filter(string expression)
    {
        var parts = expression.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) throw new FormatException($"--filter '{expression}': expected SCOPE:KEY OP [VALUE], e.g. 'field:spanName = chatCompletions'.");
        var colon = parts[0].IndexOf(':');
        var scope = colon > 0 ? parts[0][..colon] : "";
        var key = colon > 0 ? parts[0][(colon + 1)..] : "";
        var keyField = scope switch
        {
            "field" => "spanFieldName",
            "attr" or "attribute" => "spanAttributeKey",
            "meta" or "metadata" => "gatewayRequestMetadataKey",
            _ => throw new FormatException($"--filter '{expression}': the scope must be field:, attr: or meta:, e.g. attr:tfy.model.name."),
        };
        if (key.Length == 0) throw new FormatException($"--filter '{expression}': the key after '{scope}:' is empty.");
        var op = s_symbols.TryGetValue(parts[1], out var named) ? named : parts[1].ToUpperInvariant();
        if (!SpanFilterParser.TryGetOperator(op, out var parsed)) throw new FormatException($"--filter '{expression}': unknown operator '{parts[1]}'.");
        var value = parts.Length > 2 ? parts[2].Trim() : null;
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString(keyField, key);
            w.WriteString("operator", op);
            var numeric = scope == "field" && key is "durationInNs" or "durationInMs";
            var stringsOnly = scope is "meta" or "metadata" || (scope == "field" && !numeric);
            switch (parsed)
            {
                case SpanFilterOperator.Present or SpanFilterOperator.IsNull:
                    if (value is not null) throw new FormatException($"--filter '{expression}': {op} takes no value.");
                    break;
                case SpanFilterOperator.In or SpanFilterOperator.NotIn or SpanFilterOperator.ArrayHasAny or SpanFilterOperator.ArrayHasNone or SpanFilterOperator.Between:
                    if (value is null) throw new FormatException($"--filter '{expression}': {op} takes a comma-separated list.");
                    w.WriteStartArray("value");
                    foreach (var item in value.Split(',', StringSplitOptions.TrimEntries)) Scalar(w, item, stringsOnly);
                    w.WriteEndArray();
                    break;
                default:
                    if (value is null) throw new FormatException($"--filter '{expression}': {op} takes a value.");
                    w.WritePropertyName("value");
                    Scalar(w, value, stringsOnly || parsed is >= SpanFilterOperator.StringContains and <= SpanFilterOperator.StringNotEndsWith);
                    break;
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A number or true/false unless strings are forced; quotes ('1' or "1") force a string.</summary>
    private static void Scalar(Utf8JsonWriter w, string text, bool stringsOnly)
    {
        if (text.Length >= 2 && text[0] is '\'' or '"' && text[^1] == text[0])
        {
            w.WriteStringValue(text[1..^1]);
        }
        else if (!stringsOnly && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            w.WriteNumberValue(l);
        }
        else if (!stringsOnly && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            w.WriteNumberValue(d);
        }
        else if (!stringsOnly && text is "true" or "false")
        {
            w.WriteBooleanValue(text == "true");
        }
        else
        {
            w.WriteStringValue(text);
        }
    }
}
