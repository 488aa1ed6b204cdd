using System.Buffers;
using System.Text.Json;
using Gateway.Auth;
using Gateway.Config;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// <c>GET /api/svc/v1/spans/projects</c>: the tracing projects the caller may read, for the trace
/// explorer's project chooser (issue #16): the configured ones it collaborates on and, for an admin,
/// also every project found in the store. <c>{"data":[{"fqn","isDefault"}],"default"}</c>.
/// </summary>
internal sealed class TracingProjectsHandler(SpanStore? store, Func<TracingProjectsConfig> projects, Func<HttpContext, SpanCaller> authenticate, ILogger logger)
{
    public const string Path = "/api/svc/v1/spans/projects";

    public async Task HandleAsync(HttpContext context)
    {
        if (await SpanApiGate.AdmitAsync(context, HttpMethods.Get, Path, authenticate).ConfigureAwait(false) is not { } subject) return;
        var response = await Task.Run(() => Run(subject), context.RequestAborted).ConfigureAwait(false);
        await SpanApiGate.WriteJsonAsync(context, 200, response).ConfigureAwait(false);
    }

    internal byte[] Run(Subject subject)
    {
        var config = projects();
        var readable = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var fqn in Candidates(config, subject))
        {
            if (TracingProjectAccess.CanRead(config, subject, fqn)) readable.Add(fqn);
        }
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, SpanJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("data"u8);
            foreach (var fqn in readable)
            {
                w.WriteStartObject();
                w.WriteString("fqn"u8, fqn);
                w.WriteBoolean("isDefault"u8, fqn == config.Default);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (readable.Contains(config.Default)) w.WriteString("default"u8, config.Default);
            else w.WriteNull("default"u8);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private IEnumerable<string> Candidates(TracingProjectsConfig config, Subject subject)
    {
        yield return config.Default;
        foreach (var p in config.Projects) yield return p.Fqn;
        // Projects no longer in the config still hold spans; only admins may read those.
        if (!subject.IsAdmin || store is null) yield break;
        var stored = new List<string>();
        try
        {
            using var connection = store.OpenReader();
            using var command = connection.CreateCommand();
            command.CommandText = SpanStoreSchema.Projects;
            using var reader = command.ExecuteReader();
            while (reader.Read()) stored.Add(reader.GetString(0));
        }
        catch (SqliteException e)
        {
            SpanStoreLog.QueryFailed(logger, e);
        }
        foreach (var fqn in stored) yield return fqn;
    }
}
