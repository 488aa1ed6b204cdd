using Gateway.Spans;
using static Gateway.Tests.Spans.SpanTestStore;

namespace Gateway.Tests.Spans;

/// <summary>
/// Keyset paging where it is hardest: many spans start in the same nanosecond, so pages end in the middle
/// of a tie and only the span id orders them; and between pages new spans arrive in the same nanosecond,
/// on both sides of the cursor. Every span there when paging began comes exactly once, in the query's order.
/// </summary>
public sealed class SpanPagingTests : IAsyncLifetime
{
    private static readonly long T0 = UnixTime.ToNanos(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc));
    private const string Window = "\"startTime\":\"2025-06-01T00:00:00Z\",\"endTime\":\"2025-06-01T01:00:00Z\"";
    /// <summary>Three start times, 40 spans each: every page of 7 ends inside a tie.</summary>
    private static readonly long[] Starts = [T0 + 1_000, T0 + 1_000_000_000, T0 + 1_000_000_100];
    private SpanTestStore _s = null!;
    private readonly Random _random = new(11);
    private readonly HashSet<string> _before = [];

    public async Task InitializeAsync()
    {
        _s = SpanTestStore.Open();
        var records = new List<SpanRecord>();
        foreach (var start in Starts)
        {
            for (var i = 0; i < 40; i++)
            {
                var id = RandomId();
                _before.Add(id);
                records.Add(Record(id, start, "user:example@email.com", traceId: RandomId() + RandomId()));
            }
        }
        await _s.AddAsync([.. records]);
    }

    public async Task DisposeAsync() => await _s.DisposeAsync();

    /// <summary>Random bytes, high bit included: blobs compare as unsigned bytes.</summary>
    private string RandomId()
    {
        var bytes = new byte[8];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    [Theory]
    [InlineData("DESC")]
    [InlineData("ASC")]
    public async Task Ties_on_start_time_across_page_boundaries_with_spans_arriving_in_the_tie(string direction)
    {
        var seen = new List<(string Start, string Id)>();
        string? token = null;
        do
        {
            var (status, body) = _s.Query("{" + Window + $",\"sortDirection\":\"{direction}\",\"limit\":7" + (token is null ? "" : $",\"pageToken\":\"{token}\"") + "}");
            Assert.True(status == 200, body.ToString());
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(s => (s.GetProperty("startTime").GetString()!, s.GetProperty("spanId").GetString()!)));
            token = body.GetProperty("pagination").GetProperty("nextPageToken").GetString();
            // New spans in the tied nanoseconds, sorting before and after wherever the cursor is.
            await _s.AddAsync(
                Record(RandomId(), Starts[_random.Next(Starts.Length)], "user:other@email.com", traceId: RandomId() + RandomId()),
                Record(RandomId(), Starts[_random.Next(Starts.Length)], "user:other@email.com", traceId: RandomId() + RandomId()));
        }
        while (token is not null && seen.Count < 10_000);

        var ids = seen.Select(s => s.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Empty(_before.Except(ids));
        // In the query's order: ISO times of one width and lower-case hex ids compare as the keyset does.
        var sign = direction == "ASC" ? 1 : -1;
        for (var i = 1; i < seen.Count; i++)
        {
            var order = string.CompareOrdinal(seen[i - 1].Start, seen[i].Start);
            if (order == 0) order = string.CompareOrdinal(seen[i - 1].Id, seen[i].Id);
            Assert.True(Math.Sign(order) == -sign, $"{seen[i - 1]} then {seen[i]}");
        }
    }
}
