using System.Collections.Concurrent;

namespace SeSPHR.Portal.Sessions;

/// <summary>
/// One patient's grants change one request at a time. A grant, a revocation or a repair loads the
/// grant book, moves it forward and saves it; two at once (a double click, two tabs) would each save
/// a book that lacks the other's change, and the next statement would be built from the wrong one.
/// </summary>
public sealed class GrantLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Waits until no other request works on <paramref name="patientUserId"/>'s grants; dispose to let the next one in.</summary>
    public async Task<IDisposable> HoldAsync(string patientUserId, CancellationToken cancellationToken = default)
    {
        var gate = _locks.GetOrAdd(patientUserId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Held(gate);
    }

    private sealed class Held(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
