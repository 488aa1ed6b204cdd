using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Gateway.Config;

/// <summary>
/// Live reload (README, "Configuration reload"): the config file is watched, and SIGHUP asks too. The
/// directory watch sees only names (create, delete, rename: an editor's save by rename, a ConfigMap's
/// "..data" swap); a write in place is seen by a cheap stat of the file every <see cref="PollInterval"/>.
/// Watching writes (inotify's IN_MODIFY) would wake the watcher for every write to any file in the
/// directory, and the span store's database often sits there: at load that was one wake per WAL write,
/// about a sixth of the gateway's CPU (bench/load/RESULTS.md, issue #11). Changes
/// are debounced (editors and Kubernetes ConfigMap updates write in several steps); a file that loads becomes
/// the live snapshot atomically (<see cref="GatewayRuntime.Reload"/>); one that does not is logged with its
/// <c>file:line:col</c> errors and the previous config keeps serving. A file whose bytes did not change
/// is not reloaded.
/// </summary>
internal sealed class ConfigReloader : IDisposable
{
    /// <summary>Quiet time after the last file event before reading: long enough for an editor's save or a ConfigMap swap.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(300);

    /// <summary>How often the file's size and modification time are compared, for writes in place.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly string _fileName;
    private readonly GatewayRuntime _runtime;
    private readonly Func<string, string?> _environment;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly ITimer _timer;
    private readonly ITimer _poll;
    private (DateTime Modified, long Length) _stat;
    private readonly Lock _reloadLock = new();
    private FileSystemWatcher? _watcher;
    private volatile bool _disposed;
    private PosixSignalRegistration? _sighup;
    // The bytes themselves, not a digest: a config file is kilobytes, and SHA-256 here loaded OpenSSL
    // (libssl, libcrypto, openssl.cnf) on the startup path, ~5 % of the CPU to the first response.
    private byte[]? _loaded;

    public ConfigReloader(string path, GatewayRuntime runtime, Func<string, string?> environment, ILogger logger, TimeSpan? debounce = null)
    {
        _path = Path.GetFullPath(path);
        _fileName = Path.GetFileName(_path);
        _runtime = runtime;
        _environment = environment;
        _logger = logger;
        _debounce = debounce ?? DefaultDebounce;
        _timer = runtime.Time.CreateTimer(_ => Reload("file change"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loaded = Read(_path);
        _stat = Stat(_path);
        _poll = runtime.Time.CreateTimer(static s => ((ConfigReloader)s!).Poll(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Reloads that went live and files that were rejected, since start.</summary>
    public int Applied { get; private set; }
    public int Rejected { get; private set; }

    /// <summary>Listens for SIGHUP, and starts watching the file in the background.</summary>
    public void Start()
    {
        _poll.Change(PollInterval, PollInterval);
        if (!OperatingSystem.IsWindows())
        {
            // Here, not in the background: a SIGHUP sent as soon as the gateway says it listens must find the handler.
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Handled: SIGHUP's default action would end the process.
                context.Cancel = true;
                Reload("SIGHUP", force: true);
            });
        }
        // Off the way to the first response: the kernel's inotify_add_watch walks the directory's cached entries,
        // ~10 % of the CPU to the first response with the config in a /tmp of 3,700 files (issue #11).
        _ = Task.Run(Watch);
    }

    private void Watch()
    {
        var directory = Path.GetDirectoryName(_path)!;
        FileSystemWatcher? watcher = null;
        try
        {
            // The directory, not the file: editors replace files by rename, and a ConfigMap volume swaps a
            // "..data" symlink, neither of which a watch on the file itself sees.
            watcher = new FileSystemWatcher(directory)
            {
                // Names only (IN_CREATE, IN_DELETE, IN_MOVED_*): no event per write to the directory's other files.
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            lock (_reloadLock)
            {
                if (!_disposed) _watcher = watcher;
            }
            if (_watcher != watcher)
            {
                watcher.Dispose();
                return;
            }
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or ObjectDisposedException)
        {
            // e.g. the user's inotify instances are used up; before the watch moved here, the start failed.
            if (!_disposed) ConfigLog.NotWatching(_logger, _path, e.Message);
            if (_watcher != watcher) watcher?.Dispose();
            return;
        }
        ConfigLog.Watching(_logger, _path);
        // A change written between the load and the watch raised no event: compared now (an unchanged file is not reloaded).
        if (!_disposed) Reload("file change");
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        var name = e.Name ?? "";
        if (name == _fileName || name.StartsWith("..", StringComparison.Ordinal) || e is RenamedEventArgs r && r.OldName == _fileName)
        {
            _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A write in place (no rename) changes the size or the modification time: reload after the debounce.</summary>
    private void Poll()
    {
        var stat = Stat(_path);
        if (stat == _stat) return;
        _stat = stat;
        _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
    }

    private static (DateTime, long) Stat(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>Reads the file and, when it changed (or <paramref name="force"/>) and is valid, makes it live.</summary>
    /// <returns>True when a new snapshot went live.</returns>
    public bool Reload(string reason, bool force = false)
    {
        lock (_reloadLock)
        {
            var bytes = Read(_path);
            if (bytes is null)
            {
                // Mid-swap or deleted: a later event (or SIGHUP) brings the new file.
                ConfigLog.ReloadUnreadable(_logger, _path, _runtime.Current.Version);
                return false;
            }
            if (!force && _loaded is not null && bytes.AsSpan().SequenceEqual(_loaded)) return false;
            GatewayConfig config;
            try
            {
                config = ConfigLoader.LoadFile(_path, _environment);
            }
            catch (ConfigException e)
            {
                Rejected++;
                _loaded = bytes;
                ConfigLog.ReloadRejected(_logger, _runtime.Current.Version, string.Join(Environment.NewLine, e.Errors));
                return false;
            }
            var previous = _runtime.Current;
            var next = _runtime.Reload(config);
            _loaded = bytes;
            Applied++;
            ConfigLog.Reloaded(_logger, next.Version, reason, next.Catalog.All.Count(), next.Config.VirtualModels.Count);
            foreach (var section in RestartOnlyChanges(previous.Config, config)) ConfigLog.NeedsRestart(_logger, section);
            return true;
        }
    }

    /// <summary>Sections read once at startup: a reload that changes them takes effect on the next start.</summary>
    internal static IEnumerable<string> RestartOnlyChanges(GatewayConfig before, GatewayConfig after)
    {
        if (before.Server.Listen != after.Server.Listen) yield return "server.listen";
        if (before.Server.ShutdownTimeoutMs != after.Server.ShutdownTimeoutMs) yield return "server.shutdown_timeout_ms";
        if (!before.SpanStore.Equals(after.SpanStore)) yield return "span_store";
        if (!ReferenceEquals(before.TracingProjects, after.TracingProjects) && (before.TracingProjects.IsConfigured || after.TracingProjects.IsConfigured)) yield return "tracing_projects";
    }

    private static byte[]? Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        FileSystemWatcher? watcher;
        lock (_reloadLock)
        {
            _disposed = true;
            watcher = _watcher;
        }
        _sighup?.Dispose();
        watcher?.Dispose();
        _poll.Dispose();
        _timer.Dispose();
    }
}
