using System.Collections.Concurrent;
using System.Globalization;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// Joins the re-encryption calls of concurrent responses for the same grantee into one SRS call,
/// the way a group commit joins transactions: while a call for a grantee is on its way, the
/// responses that need one for that grantee queue, and the next call carries all of them (up to
/// <see cref="HttpReencryptionGateway.MaxItemsPerCall"/> capsules). A lone response is sent at
/// once, so nothing waits that had nothing to wait for.
/// A doctor's app opening a chart reads many resources in parallel; every SRS call costs the SRS
/// its request pipeline, a key look-up and a log commit whatever it carries, and that fixed cost was
/// most of what a granted read cost beyond the patient's own (benchmarks/results/access-*.md).
/// The SRS decides each capsule on its own, so a joined call answers exactly what separate calls
/// would; each response gets only the answers to its own capsules, and an SRS failure fails every
/// response of that call (each answers 503).
/// </summary>
public sealed class CoalescingReencryptionGateway(HttpReencryptionGateway srs) : IReencryptionGateway
{
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<ReencryptionResult>> ReencryptAsync(string granteeUserId, IReadOnlyList<CapsuleToReencrypt> items, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(granteeUserId);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        // A response larger than one call goes on its own: it has nothing to gain from company.
        if (items.Count >= HttpReencryptionGateway.MaxItemsPerCall)
        {
            return await srs.ReencryptAsync(granteeUserId, items, cancellationToken);
        }

        var waiting = new Waiting(items);
        while (true)
        {
            var lane = _lanes.GetOrAdd(granteeUserId, static _ => new Lane());
            bool lead;
            lock (lane)
            {
                // A lane its sender has just retired takes no more work: start a new one.
                if (lane.Retired)
                {
                    continue;
                }

                lane.Queue.Enqueue(waiting);
                lead = !lane.Sending;
                lane.Sending = true;
            }

            if (lead)
            {
                // The sender runs on its own, so this response is answered with its own call's
                // answers, not after the calls of those who queued behind it.
                _ = System.Threading.Tasks.Task.Run(() => SendAsync(granteeUserId, lane), CancellationToken.None);
            }

            break;
        }

        return await waiting.Answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends the lane's queue, a call at a time, until it is empty; then retires the lane.</summary>
    private async System.Threading.Tasks.Task SendAsync(string granteeUserId, Lane lane)
    {
        while (true)
        {
            var batch = new List<Waiting>();
            lock (lane)
            {
                var count = 0;
                while (lane.Queue.TryPeek(out var next) && (batch.Count == 0 || count + next.Items.Count <= HttpReencryptionGateway.MaxItemsPerCall))
                {
                    batch.Add(lane.Queue.Dequeue());
                    count += next.Items.Count;
                }

                if (batch.Count == 0)
                {
                    lane.Sending = false;
                    lane.Retired = true;
                    _lanes.TryRemove(new KeyValuePair<string, Lane>(granteeUserId, lane));
                    return;
                }
            }

            await SendBatchAsync(granteeUserId, batch);
        }
    }

    private async System.Threading.Tasks.Task SendBatchAsync(string granteeUserId, List<Waiting> batch)
    {
        if (batch.Count == 1)
        {
            // Alone: its own refs, as it asked.
            await AnswerAsync(batch[0], () => srs.ReencryptAsync(granteeUserId, batch[0].Items, CancellationToken.None));
            return;
        }

        // Refs are each response's own (often "0", "1"...): prefixed with the response's place in
        // the call, so that no two collide, and taken off again for the answers.
        var joined = batch.SelectMany((waiting, place) => waiting.Items.Select(item =>
            item with { Ref = place.ToString(CultureInfo.InvariantCulture) + ":" + item.Ref })).ToList();
        IReadOnlyList<ReencryptionResult> results;
        try
        {
            results = await srs.ReencryptAsync(granteeUserId, joined, CancellationToken.None);
        }
        catch (Exception failure)
        {
            foreach (var waiting in batch)
            {
                waiting.Answer.TrySetException(failure);
            }

            return;
        }

        var answers = new List<ReencryptionResult>[batch.Count];
        for (var place = 0; place < batch.Count; place++)
        {
            answers[place] = new List<ReencryptionResult>(batch[place].Items.Count);
        }

        foreach (var result in results)
        {
            var colon = result.Ref.IndexOf(':', StringComparison.Ordinal);
            var place = int.Parse(result.Ref.AsSpan(0, colon), CultureInfo.InvariantCulture);
            answers[place].Add(result with { Ref = result.Ref[(colon + 1)..] });
        }

        for (var place = 0; place < batch.Count; place++)
        {
            batch[place].Answer.TrySetResult(answers[place]);
        }
    }

    private static async System.Threading.Tasks.Task AnswerAsync(Waiting waiting, Func<Task<IReadOnlyList<ReencryptionResult>>> call)
    {
        try
        {
            waiting.Answer.TrySetResult(await call());
        }
        catch (Exception failure)
        {
            waiting.Answer.TrySetException(failure);
        }
    }

    /// <summary>The calls of one grantee: what waits, and whether a sender is at work.</summary>
    private sealed class Lane
    {
        public Queue<Waiting> Queue { get; } = new();

        public bool Sending { get; set; }

        public bool Retired { get; set; }
    }

    private sealed class Waiting(IReadOnlyList<CapsuleToReencrypt> items)
    {
        public IReadOnlyList<CapsuleToReencrypt> Items { get; } = items;

        // Completed by the sender's thread; the response continues on its own.
        public TaskCompletionSource<IReadOnlyList<ReencryptionResult>> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
