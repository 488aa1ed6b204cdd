using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gateway.Spans;

/// <summary>
/// Opens the store's file for the writer: its settings, and its schema at <see cref="SpanStoreSchema.Version"/>.
/// A file of an older version is moved aside (<c>PATH.vN</c>, with its WAL) and an empty store started in
/// its place: its rows have another layout, and converting millions of them would hold the gateway's start
/// for minutes. A file of a newer version is refused rather than touched.
/// </summary>
internal static class SpanStoreFile
{
    public static SqliteConnection OpenWriter(string fullPath, ILogger logger)
    {
        var writer = Open(fullPath);
        try
        {
            var version = Version(writer);
            if (version > SpanStoreSchema.Version)
            {
                throw new InvalidOperationException($"{fullPath}: span store schema version {version} is newer than this gateway's ({SpanStoreSchema.Version})");
            }
            if (version > 0 && version < SpanStoreSchema.Version)
            {
                writer.Dispose();
                var moved = MoveAside(fullPath, version);
                SpanStoreLog.OlderSchemaMoved(logger, fullPath, version, SpanStoreSchema.Version, moved);
                writer = Open(fullPath);
            }
            using var setup = writer.CreateCommand();
            setup.CommandText = SpanStoreSchema.Create;
            setup.ExecuteNonQuery();
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private static SqliteConnection Open(string fullPath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var setup = connection.CreateCommand();
            // WAL: readers never block the writer nor it them. synchronous=NORMAL: a power cut may lose
            // the last transactions, never corrupt the file; spans are telemetry, not ledgers (OFF, which
            // risks the file, measured no faster: bench/spans/RESULTS.md, issue #11).
            // cache_size 32 MB (default 2 MB): the trace-id index takes inserts at random places, and at a
            // million spans its pages no longer fit the default cache (bench/spans/RESULTS.md).
            // wal_autocheckpoint 8,000 pages (32 MB; default 1,000): the index pages every batch touches are
            // copied into the file once per checkpoint, so fewer checkpoints copy fewer of them (issue #11).
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8000;";
            setup.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static int Version(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Renames the file and its WAL together (so the WAL still belongs to it); the shared-memory index is rebuilt on open.</summary>
    private static string MoveAside(string fullPath, int version)
    {
        var moved = fullPath + ".v" + version.ToString(CultureInfo.InvariantCulture);
        File.Move(fullPath, moved, overwrite: true);
        if (File.Exists(fullPath + "-wal")) File.Move(fullPath + "-wal", moved + "-wal", overwrite: true);
        else File.Delete(moved + "-wal");
        File.Delete(fullPath + "-shm");
        File.Delete(moved + "-shm");
        return moved;
    }
}
