using System.Collections.Concurrent;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>The SRS's re-encryption as the FhirServer sees it: records each call; answers a cfrag per item unless told otherwise.</summary>
public sealed class FakeGateway : IReencryptionGateway
{
    public ConcurrentQueue<(string Grantee, IReadOnlyList<CapsuleToReencrypt> Items)> Calls { get; } = new();

    public bool Down { get; set; }

    /// <summary>Items for which the SRS refuses (no-grant).</summary>
    public Func<CapsuleToReencrypt, bool> Refuse { get; set; } = _ => false;

    /// <summary>When set, a call waits for it before it answers: lets a test see what happens while the SRS is busy.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static byte[] CfragFor(CapsuleToReencrypt item) => System.Text.Encoding.ASCII.GetBytes($"cfrag:{item.Patient}:{item.Section}:{item.Epoch}");

    public async Task<IReadOnlyList<ReencryptionResult>> ReencryptAsync(string granteeUserId, IReadOnlyList<CapsuleToReencrypt> items, CancellationToken cancellationToken)
    {
        Calls.Enqueue((granteeUserId, items));
        Entered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (Down)
        {
            throw new SrsUnavailableException("down");
        }

        return items
            .Select(item => Refuse(item) ? new ReencryptionResult(item.Ref, null, "no-grant") : new ReencryptionResult(item.Ref, CfragFor(item), null))
            .ToList();
    }

    public void Reset()
    {
        Calls.Clear();
        Down = false;
        Refuse = _ => false;
        Gate = null;
        Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class FakeAudit : IAccessAudit
{
    public ConcurrentQueue<AccessRecord> Records { get; } = new();

    public bool Failing { get; set; }

    /// <summary>When set, RecordAsync waits for it: lets a test see that the response waits for the audit.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RecordAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (Failing)
        {
            throw new InvalidOperationException("audit store down");
        }

        foreach (var record in records)
        {
            Records.Enqueue(record);
        }
    }

    public void Reset()
    {
        Records.Clear();
        Failing = false;
        Gate = null;
        Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class FakeReconciler : IGrantReconciler
{
    public ConcurrentQueue<(string ConsentId, string Patient, IReadOnlyList<ImpliedGrant> Grants)> Calls { get; } = new();

    public bool Down { get; set; }

    public Task ReconcileAsync(string consentId, string patient, IReadOnlyList<ImpliedGrant> grants, CancellationToken cancellationToken)
    {
        Calls.Enqueue((consentId, patient, grants));
        return Down ? throw new SrsUnavailableException("down") : Task.CompletedTask;
    }

    public void Reset()
    {
        Calls.Clear();
        Down = false;
    }
}
