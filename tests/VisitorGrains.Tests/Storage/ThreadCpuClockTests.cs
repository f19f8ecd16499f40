using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Tests.Storage;

/// <summary>The CPU clock of one thread, which <c>GET /api/stats</c> reads for the store's writer and checkpointer.</summary>
public sealed class ThreadCpuClockTests
{
    [Fact]
    public void Parse_CountsUserAndSystemTicks_AfterANameWithSpacesAndParentheses()
    {
        // tid (name) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
        const string stat = "4242 (VisitorGrains (j) x) S 1 1 1 0 -1 4194368 120 0 3 0 37 5 0 0 20 0 1 0 100 0 0";
        Assert.Equal(420, ThreadCpuClock.Parse(stat));
    }

    [Fact]
    public void Parse_SaysNothing_ForALineItCannotRead()
    {
        Assert.Null(ThreadCpuClock.Parse("4242 VisitorGrains"));
        Assert.Null(ThreadCpuClock.Parse("4242 (VisitorGrains) S 1 1"));
    }

    /// <summary>
    /// A clock made on a thread counts that thread's time, not the process's: another thread's busy work does not
    /// move it, its own does (Linux: the store's threads are measured from /proc).
    /// </summary>
    [Fact]
    public void AClock_CountsItsOwnThreadsTime_AndNotAnothers()
    {
        ThreadCpuClock? clock = null;
        using var made = new ManualResetEventSlim();
        using var burn = new ManualResetEventSlim();
        var measured = new Thread(() =>
        {
            clock = ThreadCpuClock.ForCurrentThread();
            made.Set();
            burn.Wait();
            Spin(TimeSpan.FromMilliseconds(300));
        }) { IsBackground = true };
        measured.Start();
        made.Wait();
        Assert.NotNull(clock);
        var start = clock.Used;
        Assert.NotNull(start);

        Spin(TimeSpan.FromMilliseconds(300)); // this thread's time, not the measured one's
        var whileOthersWorked = clock.Used;
        burn.Set();
        measured.Join();

        Assert.True(whileOthersWorked - start < 100, $"{start} → {whileOthersWorked} ms while another thread worked");
        // The thread has ended: its /proc entry goes once the system thread under it has exited too, a moment
        // after the managed thread's Join returns.
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (clock.Used is not null && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(10);
        }

        Assert.Null(clock.Used);
    }

    [Fact]
    public void AClock_GrowsWithItsThreadsWork()
    {
        var clock = ThreadCpuClock.ForCurrentThread();
        Assert.NotNull(clock);
        var start = clock.Used!.Value;
        // Work until the clock has moved five ticks, or give up after 20 s (on a busy machine the thread gets less than all of a core).
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (clock.Used!.Value - start < 50 && DateTime.UtcNow < giveUp)
        {
            Spin(TimeSpan.FromMilliseconds(50));
        }

        Assert.True(clock.Used!.Value - start >= 50, $"{start} → {clock.Used} ms after 20 s of work");
    }

    private static void Spin(TimeSpan time)
    {
        var until = DateTime.UtcNow + time;
        var x = 0UL;
        while (DateTime.UtcNow < until)
        {
            x = x * 6364136223846793005UL + 1;
        }

        GC.KeepAlive(x);
    }
}
