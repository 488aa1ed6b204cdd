namespace Gateway.Spans;

/// <summary>
/// Points SQLitePCLRaw at its e_sqlite3 provider once. Microsoft.Data.Sqlite.Core (unlike the
/// Microsoft.Data.Sqlite bundle) does not do it, and its bundle lookup is by reflection, which
/// trimming removes. In the AOT binary "e_sqlite3" resolves to the statically linked libsqlite3.a.
/// </summary>
internal static class SqliteInit
{
    private static int s_done;

    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref s_done, 1) == 0) SQLitePCL.Batteries_V2.Init();
    }
}
