namespace VisitorGrains.Grains.Storage;

public enum SyncMode
{
    /// <summary>Committed data survives a crash of the process (SQLite WAL, synchronous=NORMAL).</summary>
    Normal,

    /// <summary>Committed data also survives a power loss: an fsync per group commit.</summary>
    Full,
}

/// <summary>Storage settings (section "Storage").</summary>
public sealed class StorageOptions
{
    /// <summary>The SQLite file; defaults to visitorgrains.db in VG_DATA.</summary>
    public string Path { get; set; } = "";

    public SyncMode Synchronous { get; set; } = SyncMode.Normal;

    /// <summary>Most writes one transaction takes.</summary>
    public int MaxBatch { get; set; } = 1024;

    /// <summary>Journal entries a grain appends before it writes a checkpoint.</summary>
    public int CheckpointEvery { get; set; } = 64;

    /// <summary>
    /// SQLite WAL frames (about 4 KB each) past which the writer, between two group commits, copies what the
    /// background checkpoint has not, so that the log starts again from its beginning (0: never). Each catch-up
    /// holds the writer for a few milliseconds (up to ~25 under load): 512 MB makes them rare (one every ~7 s
    /// under load, against one every ~2 s at 128 MB), so fewer page views wait behind one; a small disk can take
    /// a lower bound.
    /// </summary>
    public int WalRestartFrames { get; set; } = 131072;

    /// <summary>SQLite's page size for a new store (an existing file keeps its own).</summary>
    public int PageSize { get; set; } = 4096;

    /// <summary>Days of event history kept for backtests (visitors' journal entries).</summary>
    public int HistoryDays { get; set; } = 90;
}
