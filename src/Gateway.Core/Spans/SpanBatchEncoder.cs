using System.Buffers.Binary;

namespace Gateway.Spans;

/// <summary>
/// Readies batches for the writer on the store's encoder thread: encodes each span as it comes off the
/// queue (<see cref="SpanBlobWriter"/>), and when the writer is ready for the batch, orders it and gives the
/// ids (<see cref="Finish"/>).
/// </summary>
/// <remarks>
/// A span may take text from an earlier span of the batch of its trace and project that starts no earlier
/// (its donor): spans come off the queue as they end, so a parent comes after its children and takes the
/// request and response text its model span captured in full. So that a request's spans meet in one batch,
/// a span whose parent (of the same source, so bound for the store too) has not come yet waits for it, at
/// most <see cref="MaxHold"/>; its parent, when it comes, brings it into the batch first. The batch is
/// inserted in start order, a row before its donor (same start: the later one off the queue first), so both
/// retention orders (start time, id) delete a row before its donor, and no row points into a deleted one.
/// </remarks>
internal sealed class SpanBatchEncoder(SpanStringTable strings, long nextId, TimeProvider time)
{
    /// <summary>
    /// How long a span waits for its parent at most: a request's spans end within microseconds of each
    /// other, a failed attempt's long before its request; past this it is written without the parent.
    /// </summary>
    internal static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);
    /// <summary>Spans waiting at most; past it the oldest go into the batch.</summary>
    private const int MaxHeld = 4096;

    private readonly SpanBlobWriter _blobs = new(strings);
    private readonly Dictionary<SpanRow, int> _position = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(UInt128 Trace, string Project), List<SpanRow>> _traces = [];
    /// <summary>Waiting spans in the order they came, and by their parent's span id.</summary>
    private readonly Queue<Waiting> _held = new();
    private readonly Dictionary<ulong, List<Waiting>> _heldByParent = [];
    private long _nextId = nextId;

    private int _heldCount;

    /// <summary>Spans waiting for their parent (read by other threads too).</summary>
    public int Held
    {
        get => Volatile.Read(ref _heldCount);
        private set => Volatile.Write(ref _heldCount, value);
    }

    /// <summary>Takes a span into the batch (encoded now, its id at <see cref="Finish"/>), or holds it until its parent comes.</summary>
    public void Add(SpanBatch batch, SpanRow row)
    {
        if (row.Activity?.Parent is { } parent && parent.Source == row.Activity.Source && !Contains(Trace(row), Key(row.ParentSpanId)))
        {
            var waiting = new Waiting(row, time.GetTimestamp());
            _held.Enqueue(waiting);
            var parentKey = Key(row.ParentSpanId);
            if (!_heldByParent.TryGetValue(parentKey, out var siblings)) _heldByParent[parentKey] = siblings = [];
            siblings.Add(waiting);
            Held++;
            if (Held > MaxHeld) ReleaseOldest(batch, _ => true);
            return;
        }
        Encode(batch, row);
    }

    /// <summary>Puts spans that waited <see cref="MaxHold"/> (all of them when <paramref name="all"/>: a flush, shutdown) into the batch.</summary>
    public void ReleaseWaiting(SpanBatch batch, bool all)
    {
        var now = time.GetTimestamp();
        while (Held > 0 && ReleaseOldest(batch, w => all || time.GetElapsedTime(w.Since, now) >= MaxHold))
        {
        }
    }

    /// <summary>Orders the batch for insertion and gives the row and string ids; the encoder is ready for the next batch.</summary>
    public void Finish(SpanBatch batch)
    {
        var rows = batch.Rows;
        // Start order; a tie puts the later one off the queue first, so a donor (earlier off the queue) comes after.
        rows.Sort((a, b) => a.StartTimeNs != b.StartTimeNs ? a.StartTimeNs.CompareTo(b.StartTimeNs) : _position[b].CompareTo(_position[a]));
        foreach (var row in rows)
        {
            row.Id = _nextId++;
            row.NameId = strings.Id(row.Name);
            row.ProjectId = strings.Id(row.ProjectFqn);
            row.SubjectTypeId = row.SubjectType is null ? null : strings.Id(row.SubjectType);
            row.SubjectSlugId = row.SubjectSlug is null ? null : strings.Id(row.SubjectSlug);
            row.ApplicationId = strings.Id(row.ApplicationName);
        }
        foreach (var row in rows)
        {
            row.DonorDelta = row.Donor is { } donor ? donor.Id - row.Id : null;
            row.Donor = null;
            row.Pool = default;
        }
        strings.TakeAdded(batch.Strings);
        _traces.Clear();
        _position.Clear();
    }

    /// <summary>The oldest waiting span goes into the batch without its parent, if <paramref name="due"/> says so; false when it does not.</summary>
    private bool ReleaseOldest(SpanBatch batch, Func<Waiting, bool> due)
    {
        while (_held.TryPeek(out var oldest) && oldest.Done) _held.Dequeue();
        if (!_held.TryPeek(out var next) || !due(next)) return false;
        _held.Dequeue();
        Take(next);
        Encode(batch, next.Row);
        return true;
    }

    /// <summary>
    /// Encodes a span into the batch, after the spans that waited for it (and for them): they ended before it,
    /// and it may take their text.
    /// </summary>
    private void Encode(SpanBatch batch, SpanRow row)
    {
        if (Held > 0 && _heldByParent.Remove(Key(row.SpanId), out var children))
        {
            foreach (var child in children)
            {
                if (child.Done) continue;
                Take(child);
                Encode(batch, child.Row);
            }
        }
        var trace = Trace(row);
        _blobs.Encode(row, Donor(trace, row.StartTimeNs), batch.Blobs);
        // The activity's tags and text are in the blob now: let it go while the batch fills.
        row.Activity = null;
        trace.Add(row);
        _position[row] = batch.Rows.Count;
        batch.Rows.Add(row);
    }

    /// <summary>Marks a waiting span taken (the queue drops it when it reaches the front).</summary>
    private void Take(Waiting waiting)
    {
        waiting.Done = true;
        Held--;
        if (_heldByParent.TryGetValue(Key(waiting.Row.ParentSpanId), out var siblings))
        {
            siblings.Remove(waiting);
            if (siblings.Count == 0) _heldByParent.Remove(Key(waiting.Row.ParentSpanId));
        }
    }

    private List<SpanRow> Trace(SpanRow row)
    {
        var key = (BinaryPrimitives.ReadUInt128BigEndian(row.TraceId), row.ProjectFqn);
        if (!_traces.TryGetValue(key, out var trace)) _traces[key] = trace = [];
        return trace;
    }

    private static ulong Key(byte[] spanId) => spanId.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(spanId) : 0;

    private static bool Contains(List<SpanRow> trace, ulong spanId)
    {
        foreach (var row in trace)
        {
            if (Key(row.SpanId) == spanId) return true;
        }
        return false;
    }

    /// <summary>The span of the trace so far that starts no earlier than <paramref name="startNs"/> with the most text to give.</summary>
    private static SpanRow? Donor(List<SpanRow> trace, long startNs)
    {
        SpanRow? donor = null;
        foreach (var candidate in trace)
        {
            if (candidate.StartTimeNs >= startNs && candidate.Pool.Length > (donor?.Pool.Length ?? 0)) donor = candidate;
        }
        return donor;
    }

    private sealed class Waiting(SpanRow row, long since)
    {
        public SpanRow Row { get; } = row;
        /// <summary>When it came (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long Since { get; } = since;
        /// <summary>Gone into a batch.</summary>
        public bool Done { get; set; }
    }
}
