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

    /// <summary>Days of event history kept for backtests (visitors' journal entries).</summary>
    public int HistoryDays { get; set; } = 90;
}
