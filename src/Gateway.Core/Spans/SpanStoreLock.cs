using Gateway.Config;

namespace Gateway.Spans;

/// <summary>
/// Makes one gateway the only writer of a span store file. The writer numbers rows and <c>span_strings</c>
/// from counters it reads once at open (<see cref="SpanRowWriter.NextId"/>, <see cref="SpanStringTable.Load"/>),
/// so a second writer on the same file failed every batch on <c>UNIQUE constraint failed: spans.id</c> and
/// could map string ids to the wrong strings. The second gateway is refused at start instead.
/// </summary>
/// <remarks>
/// <para>
/// The lock is an exclusive lock on a sidecar file, <c>PATH.lock</c>, held open for the life of the store:
/// .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for <see cref="FileShare.None"/> on Unix (a sharing mode on
/// Windows). Not a lock on the database itself: SQLite holds POSIX <c>fcntl</c> locks on it, and closing
/// any descriptor of a file drops every <c>fcntl</c> lock the process holds on it, so the store never opens
/// the database outside SQLite. Not a PID file either: flock is released by the kernel when the process
/// dies, so a gateway killed with SIGKILL leaves nothing that blocks its restart. It belongs to the open
/// file description, so a second store in the same process (tests run several gateways) is refused too.
/// </para>
/// <para>
/// Readers take no lock: queries open their own SQLite connections, and <c>gateway spans query</c> goes
/// through a gateway's HTTP API. The lock file stays when released: deleting it would let a gateway that
/// opened it just before lock a file no longer at the path while a third creates and locks a new one.
/// The runtime switch <c>System.IO.DisableFileLocking</c> (DOTNET_SYSTEM_IO_DISABLEFILELOCKING) turns
/// this check off with every other FileShare lock.
/// </para>
/// </remarks>
internal sealed class SpanStoreLock : IDisposable
{
    private FileStream? _file;

    private SpanStoreLock(FileStream file) => _file = file;

    public static string PathFor(string storePath) => storePath + ".lock";

    /// <summary>Takes the lock of the store at <paramref name="storePath"/> (a full path), or throws <see cref="ConfigException"/> when another gateway holds it.</summary>
    /// <exception cref="ConfigException">Another gateway (process, or store in this process) holds the file.</exception>
    /// <exception cref="IOException">The lock file cannot be created (a read-only or full disk): the store cannot open either.</exception>
    public static SpanStoreLock Acquire(string storePath)
    {
        try
        {
            // bufferSize 0: nothing is ever written; the descriptor is all that matters.
            return new SpanStoreLock(new FileStream(PathFor(storePath), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0));
        }
        catch (IOException e) when (HeldElsewhere(e))
        {
            // One line, as a config error: running replicas on one file is a deployment mistake, and a gateway
            // that served without its store would lose every span without saying so on each request.
            throw new ConfigException([$"span_store.path: '{storePath}' is in use by another gateway process; each replica needs its own span_store.path (or span_store.enabled: false)"]);
        }
    }

    /// <summary>
    /// The lock is taken (rather than the file being unreadable, full or read-only): on Unix the runtime raises
    /// flock's EWOULDBLOCK as an IOException whose HResult is the errno, on Windows a sharing or lock violation.
    /// </summary>
    private static bool HeldElsewhere(IOException e)
    {
        if (OperatingSystem.IsWindows()) return (e.HResult & 0xFFFF) is 32 or 33; // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        // EWOULDBLOCK (EAGAIN): 11 on Linux, 35 on macOS and the BSDs.
        return e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
    }

    /// <summary>Releases the lock; safe to call more than once.</summary>
    public void Dispose() => Interlocked.Exchange(ref _file, null)?.Dispose();
}
