namespace VisitorGrains.Grains.Storage;

/// <summary>
/// Writes waiting for a writer that runs on a thread of its own. Producers never block; the writer takes
/// everything waiting at once, and when there is nothing it sleeps on the queue until a producer wakes it
/// directly. A channel's reader is woken by a work item on the thread pool instead, which under load waits
/// behind every request and grain turn queued there, and the writer then held a pool thread while it
/// committed: one of two on a 2-core machine.
/// </summary>
public sealed class WriteQueue<T>
{
    private readonly Queue<T> _items = new();
    private bool _completed;
    private bool _sleeping;

    private object Gate => _items;

    /// <summary>Queues the item; false once <see cref="Complete"/> was called (the item is not queued).</summary>
    public bool TryWrite(T item)
    {
        lock (Gate)
        {
            if (_completed)
            {
                return false;
            }

            _items.Enqueue(item);
            if (_sleeping)
            {
                _sleeping = false;
                Monitor.Pulse(Gate);
            }
        }

        return true;
    }

    /// <summary>No more items: the writer takes what is left, then <see cref="Wait"/> answers false.</summary>
    public void Complete()
    {
        lock (Gate)
        {
            _completed = true;
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>
    /// Blocks until an item is waiting or <paramref name="timeout"/> has passed (true either way), or the
    /// queue is completed and empty (false).
    /// </summary>
    public bool Wait(TimeSpan timeout)
    {
        lock (Gate)
        {
            if (_items.Count == 0 && !_completed)
            {
                _sleeping = true;
                Monitor.Wait(Gate, timeout);
                _sleeping = false;
            }

            return _items.Count > 0 || !_completed;
        }
    }

    /// <summary>Moves up to <paramref name="max"/> items into <paramref name="batch"/>, oldest first, under one lock.</summary>
    public void TakeInto(List<T> batch, int max)
    {
        lock (Gate)
        {
            while (batch.Count < max && _items.TryDequeue(out var item))
            {
                batch.Add(item);
            }
        }
    }
}
