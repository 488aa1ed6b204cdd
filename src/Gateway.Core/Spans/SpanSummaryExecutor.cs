using Gateway.Tracing;
using Microsoft.Data.Sqlite;

namespace Gateway.Spans;

/// <summary>
/// Reads the requests of a window for <see cref="SpanSummary"/>: each root span matching the query,
/// left-joined to the Model spans of its trace for TTFT, tokens and cost (the seeds keep those on the
/// Model span). Roots come from the partial index of roots, Model spans by trace id.
/// </summary>
internal sealed class SpanSummaryExecutor(SpanStore store)
{
    /// <summary>Requests read at most; past it the summary says it is truncated. 100,000 rows take ~0.3 s (docs/ui.md).</summary>
    public const int MaxRequests = 100_000;

    private static readonly string s_modelColumns = string.Join(", ",
        Extract(SpanAttributes.TfyModelMetricTimeToFirstTokenInMs),
        Extract(SpanAttributes.TfyModelMetricInputTokens),
        Extract(SpanAttributes.TfyModelMetricOutputTokens),
        Extract(SpanAttributes.TfyModelMetricCostInUsd));

    private static readonly string s_modelName = SpanStoreSchema.IdOf($"'{SpanNames.Model}'");

    /// <param name="q">A validated query; its parent filter is replaced by "roots only".</param>
    public SpanSummary Execute(SpanQuery q, string projectFqn, long endNs, CancellationToken cancellationToken)
    {
        var roots = RootsOf(q);
        using var connection = store.OpenReader();
        // A client that leaves, or the time limit, stops SQLite mid-statement instead of letting it run on.
        using var interrupt = cancellationToken.Register(static c => SQLitePCL.raw.sqlite3_interrupt(((SqliteConnection)c!).Handle), connection);
        using var command = connection.CreateCommand();
        var matching = SpanQuerySql.Matching(command, "trace_id, start_time_ns, duration_ns, status_code, project", roots, projectFqn, endNs, MaxRequests + 1);
        command.CommandText =
            $"SELECT r.trace_id, r.start_time_ns, r.duration_ns, r.status_code, {s_modelColumns} FROM ({matching}) AS r " +
            $"LEFT JOIN spans AS m INDEXED BY {SpanStoreSchema.IndexTrace} ON {SpanStoreSchema.TraceKey("m.trace_id")} = {SpanStoreSchema.TraceKey("r.trace_id")} " +
            $"AND m.trace_id = r.trace_id AND m.name = {s_modelName} AND m.project = r.project";

        var summary = new SpanSummary(q.StartNs, endNs);
        var requests = 0;
        byte[]? trace = null;
        SpanSummaryRow row = default;
        using var reader = command.ExecuteReader();
        // A LEFT JOIN's left side is the outer loop, so the rows of one request are consecutive.
        while (reader.Read())
        {
            var id = reader.GetFieldValue<byte[]>(0);
            if (trace is null || !id.AsSpan().SequenceEqual(trace))
            {
                if (trace is not null) summary.Add(row);
                if (++requests > MaxRequests)
                {
                    summary.Truncated = true;
                    trace = null;
                    break;
                }
                trace = id;
                row = new SpanSummaryRow(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3) == SpanCodes.Status(System.Diagnostics.ActivityStatusCode.Error), null, 0, 0, 0);
            }
            row = row with
            {
                // The delivered attempt's TTFT: failed attempts have none.
                TtftMs = reader.IsDBNull(4) ? row.TtftMs : reader.GetDouble(4),
                InputTokens = row.InputTokens + (reader.IsDBNull(5) ? 0 : reader.GetInt64(5)),
                OutputTokens = row.OutputTokens + (reader.IsDBNull(6) ? 0 : reader.GetInt64(6)),
                CostUsd = row.CostUsd + (reader.IsDBNull(7) ? 0 : reader.GetDouble(7)),
            };
        }
        if (trace is not null) summary.Add(row);
        return summary;
    }

    private static string Extract(string key) => SpanStoreSchema.Attribute("m", $"'{key}'");

    private static SpanQuery RootsOf(SpanQuery q) => new()
    {
        TracingProjectFqn = q.TracingProjectFqn,
        StartNs = q.StartNs,
        EndNs = q.EndNs,
        TraceIds = q.TraceIds,
        SpanIds = q.SpanIds,
        ParentSpanIds = [""],
        CreatedBySubjectTypes = q.CreatedBySubjectTypes,
        CreatedBySubjectSlugs = q.CreatedBySubjectSlugs,
        ApplicationNames = q.ApplicationNames,
        Filters = q.Filters,
    };
}
