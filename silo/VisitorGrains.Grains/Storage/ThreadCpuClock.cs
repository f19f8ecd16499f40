using System.Globalization;

namespace VisitorGrains.Grains.Storage;

/// <summary>
/// The CPU time one thread of this process has used, read from Linux's <c>/proc</c>: what a thread of its own
/// (the store's writer, its WAL checkpointer) costs, apart from everything else the process does. Made on the
/// thread it measures; <see cref="Used"/> is null where there is no <c>/proc</c> (other systems) and once the
/// thread has ended.
/// </summary>
public sealed class ThreadCpuClock
{
    /// <summary>The kernel counts a thread's time in ticks of 1/100 s on every Linux platform .NET runs on.</summary>
    private const double MillisecondsPerTick = 10;

    private readonly string _stat;

    private ThreadCpuClock(string stat) => _stat = stat;

    /// <summary>A clock for the calling thread, or null where the system does not say which thread that is.</summary>
    public static ThreadCpuClock? ForCurrentThread()
    {
        try
        {
            // "/proc/thread-self" links to "<pid>/task/<tid>": the calling thread's own directory, by its kernel id.
            var target = new DirectoryInfo("/proc/thread-self").LinkTarget;
            return target is null ? null : new ThreadCpuClock(Path.Combine("/proc", target, "stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>User and system time together, in milliseconds (10 ms resolution).</summary>
    public double? Used
    {
        get
        {
            try
            {
                return Parse(File.ReadAllText(_stat));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// A <c>stat</c> line: "tid (name) state ppid …", the 14th and 15th fields being user and system ticks. The
    /// name may hold spaces and parentheses, so the fields are counted from its last ')'.
    /// </summary>
    public static double? Parse(string stat)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }

        // After the name: state (3rd field) … utime (14th) stime (15th).
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 13
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            ? (user + system) * MillisecondsPerTick
            : null;
    }
}
