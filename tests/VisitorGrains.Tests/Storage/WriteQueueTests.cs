using VisitorGrains.Grains.Storage;

namespace VisitorGrains.Tests.Storage;

/// <summary>The queue between the store's callers and its writer's own thread.</summary>
public sealed class WriteQueueTests
{
    /// <summary>
    /// Producers on several threads, a reader on a thread of its own that sleeps whenever it finds nothing:
    /// every item arrives exactly once, each producer's in the order it wrote them, and the reader is woken for
    /// the last ones (it would wait forever on a lost wake-up).
    /// </summary>
    [Fact]
    public async Task ManyProducers_OneSleepingReader_EveryItemOnceInEachProducersOrder()
    {
        const int producers = 4, each = 20_000;
        var queue = new WriteQueue<(int Producer, int Seq)>();
        var received = new List<(int Producer, int Seq)>();
        var reader = new Thread(() =>
        {
            var batch = new List<(int, int)>();
            while (queue.Wait(Timeout.InfiniteTimeSpan))
            {
                queue.TakeInto(batch, 64);
                received.AddRange(batch);
                batch.Clear();
            }
        }) { IsBackground = true };
        reader.Start();

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var seq = 0; seq < each; seq++)
            {
                Assert.True(queue.TryWrite((p, seq)));
                if (seq % 1000 == 0)
                {
                    await Task.Yield(); // now and then the reader catches up and goes to sleep
                }
            }
        })));
        queue.Complete();
        Assert.True(reader.Join(TimeSpan.FromMinutes(1)), "the reader did not finish");

        Assert.Equal(producers * each, received.Count);
        foreach (var group in received.GroupBy(r => r.Producer))
        {
            Assert.Equal(Enumerable.Range(0, each), group.Select(r => r.Seq));
        }
    }

    [Fact]
    public void TakeInto_TakesAtMostTheBatchSize_OldestFirst()
    {
        var queue = new WriteQueue<int>();
        foreach (var i in Enumerable.Range(1, 5))
        {
            queue.TryWrite(i);
        }

        var batch = new List<int>();
        queue.TakeInto(batch, 3);
        Assert.Equal([1, 2, 3], batch);
        batch.Clear();
        queue.TakeInto(batch, 3);
        Assert.Equal([4, 5], batch);
    }

    /// <summary>After Complete, writes are refused, what was queued is still taken, and then Wait says there is no more.</summary>
    [Fact]
    public void Complete_RefusesWrites_LetsTheReaderTakeTheRest_ThenEnds()
    {
        var queue = new WriteQueue<int>();
        queue.TryWrite(1);
        queue.Complete();

        Assert.False(queue.TryWrite(2));
        Assert.True(queue.Wait(Timeout.InfiniteTimeSpan));
        var batch = new List<int>();
        queue.TakeInto(batch, 10);
        Assert.Equal([1], batch);
        Assert.False(queue.Wait(Timeout.InfiniteTimeSpan));
    }

    /// <summary>A wait with a limit (the writer retrying a purge) comes back with nothing once the limit passes.</summary>
    [Fact]
    public void Wait_WithALimit_ComesBackWithNothing()
    {
        var queue = new WriteQueue<int>();
        Assert.True(queue.Wait(TimeSpan.FromMilliseconds(20)));
        var batch = new List<int>();
        queue.TakeInto(batch, 10);
        Assert.Empty(batch);
    }

    /// <summary>A sleeping reader is woken by Complete (the store being disposed while idle).</summary>
    [Fact]
    public void Complete_WakesASleepingReader()
    {
        var queue = new WriteQueue<int>();
        bool? answer = null;
        var reader = new Thread(() => answer = queue.Wait(Timeout.InfiniteTimeSpan)) { IsBackground = true };
        reader.Start();
        while ((reader.ThreadState & ThreadState.WaitSleepJoin) == 0) // a flag: the thread is also Background
        {
            Thread.Sleep(1);
        }

        queue.Complete();
        Assert.True(reader.Join(TimeSpan.FromMinutes(1)), "the reader was not woken");
        Assert.False(answer);
    }
}
