using Gateway.Config;

namespace Gateway.Providers;

/// <summary>
/// The provider connections, outside any config snapshot (DESIGN.md, "Registries"): keyed by provider
/// name, an <see cref="Upstream"/> is kept across reloads while the way it is reached (kind, URL, key,
/// headers, timeouts) stays the same, so its pooled connections survive. One that a reload replaces or
/// drops is disposed only after the requests that may still use it had time to finish. Called on
/// startup and reloads only (one at a time); never on the request path.
/// </summary>
internal sealed class UpstreamRegistry(TimeProvider time) : IDisposable
{
    private readonly Dictionary<string, Upstream> _current = new(StringComparer.Ordinal);
    private readonly HashSet<Upstream> _all = [];
    private readonly HashSet<ITimer> _timers = [];
    private int _retiring;
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>The upstream for a provider, reused when it is reached the same way as before.</summary>
    public Upstream Get(ProviderConfig config)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current.TryGetValue(config.Name, out var existing) && SameConnection(existing.Config, config)) return existing;
            var created = new Upstream(config);
            _current[config.Name] = created;
            _all.Add(created);
            return created;
        }
    }

    /// <summary>
    /// After a reload: every upstream the new snapshot does not use is disposed once <paramref name="grace"/>
    /// has passed (requests in flight finish on the snapshot, and the upstreams, they started with).
    /// </summary>
    public void Retain(IReadOnlySet<Upstream> live, TimeSpan grace)
    {
        lock (_lock)
        {
            var retired = _all.Where(u => !live.Contains(u)).ToArray();
            if (retired.Length == 0) return;
            foreach (var u in retired)
            {
                _all.Remove(u);
                if (_current.TryGetValue(u.Name, out var c) && ReferenceEquals(c, u)) _current.Remove(u.Name);
            }
            _retiring += retired.Length;
            ITimer? timer = null;
            timer = time.CreateTimer(_ =>
            {
                foreach (var u in retired) u.Dispose();
                lock (_lock)
                {
                    _timers.Remove(timer!);
                    _retiring -= retired.Length;
                }
                timer!.Dispose();
            }, null, grace, Timeout.InfiniteTimeSpan);
            _timers.Add(timer);
        }
    }

    /// <summary>Upstreams in use or waiting out their grace period.</summary>
    public int Live
    {
        get { lock (_lock) return _all.Count + _retiring; }
    }

    internal static bool SameConnection(ProviderConfig a, ProviderConfig b) =>
        a.Kind == b.Kind &&
        a.BaseUrl == b.BaseUrl &&
        a.ApiKey == b.ApiKey &&
        a.ApiVersion == b.ApiVersion &&
        a.TokenDelayMs == b.TokenDelayMs &&
        a.ConnectTimeoutMs == b.ConnectTimeoutMs &&
        a.Headers.Count == b.Headers.Count &&
        a.Headers.All(h => b.Headers.TryGetValue(h.Key, out var v) && v == h.Value);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var t in _timers) t.Dispose();
            _timers.Clear();
            foreach (var u in _all) u.Dispose();
            _all.Clear();
            _current.Clear();
        }
    }
}
