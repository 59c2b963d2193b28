using SeSPHR.FhirServer.Features.Access.Consents;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>One capsule of a permitted section to re-encrypt for the caller; <see cref="Ref"/> is the caller's own correlation key.</summary>
public sealed record CapsuleToReencrypt(string Ref, string Patient, string Section, uint Epoch, byte[] Capsule);

/// <summary>
/// The SRS's answer for one capsule: a cfrag, or the reason it refused (<c>no-grant</c>, <c>expired</c>,
/// <c>bad-capsule</c>). <see cref="Until"/> is the end of the period of the kfrag the cfrag was made with
/// (null: none), past which the cfrag is not replayed (<see cref="IssuedCfrags"/>).
/// </summary>
public sealed record ReencryptionResult(string Ref, byte[]? Cfrag, string? Refused, DateTimeOffset? Until = null);

/// <summary>
/// The SRS's re-encryption, one batched, service-authenticated call per response
/// (<c>POST /api/reencrypt</c>, see src/Srs/API.md).
/// </summary>
public interface IReencryptionGateway
{
    /// <exception cref="SrsUnavailableException">The SRS did not answer; the response becomes a 503.</exception>
    Task<IReadOnlyList<ReencryptionResult>> ReencryptAsync(string granteeUserId, IReadOnlyList<CapsuleToReencrypt> items, CancellationToken cancellationToken);
}

/// <summary>
/// Tells the SRS what a Consent now grants (<c>PUT /api/consents/{id}/grants</c>), before the
/// Consent write commits: kfrags the Consent no longer covers are deleted, pending ones it covers
/// become active. An inactive or deleted Consent sends no grants.
/// </summary>
public interface IGrantReconciler
{
    /// <exception cref="SrsUnavailableException">The SRS did not confirm; the Consent change is refused with 503.</exception>
    Task ReconcileAsync(string consentId, string patient, IReadOnlyList<ImpliedGrant> grants, CancellationToken cancellationToken);
}

/// <summary>The SRS could not be reached or did not confirm; never carries what was asked.</summary>
public sealed class SrsUnavailableException : Exception
{
    public SrsUnavailableException()
    {
    }

    public SrsUnavailableException(string message)
        : base(message)
    {
    }

    public SrsUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
