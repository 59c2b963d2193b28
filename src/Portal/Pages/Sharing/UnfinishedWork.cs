using SeSPHR.Client.Grants;

namespace SeSPHR.Portal.Pages.Sharing;

/// <summary>
/// What the patient's grant journal says is started and not complete. A grant or revocation is
/// written into the journal before its first request, so a server that stops answering after that
/// leaves it half-done: the next run (a visit to the sharing page, the next sign-in) completes it.
/// </summary>
public static class UnfinishedWork
{
    public static int Count(PatientGrants grants) => grants.Journal.OpenOperations().Count;

    /// <summary>True when an operation was written into the journal since <paramref name="before"/> was counted and is still open.</summary>
    public static bool Started(PatientGrants grants, int before) => Count(grants) > before;

    /// <summary>Grants (to a user or a role) with an open operation: their Consent or kfrags may be missing.</summary>
    public static IReadOnlySet<string> GrantsOf(PatientGrants grants) =>
        grants.Journal.OpenOperations().Where(o => o.Kind == GrantOperationKind.Grant).Select(o => o.ConsentId).ToHashSet(StringComparer.Ordinal);

    /// <summary>A revocation, or a move to new keys after access ended, is open.</summary>
    public static bool HasEndsOfAccess(PatientGrants grants) => grants.Journal.OpenOperations().Any(o => o.Kind != GrantOperationKind.Grant);

    public const string Grant = "The grant is not complete";

    public const string Approval = "The approval is not complete";

    public const string Revocation = "The revocation is not complete";

    public const string Earlier = "A grant or revocation from an earlier visit is not complete";

    /// <summary>What the patient is told about a half-done operation (<see cref="Grant"/>, <see cref="Revocation"/>, ...).</summary>
    public static string NotComplete(string what) =>
        what + ": the key server or the record server did not answer. It is recorded, and it is completed the next time you open " +
        "the sharing page or sign in while both servers answer. " + what switch
        {
            Grant => "Until then nothing is shared with them.",
            Approval => "Until then the member reads nothing.",
            _ => "Until then a person whose access you ended may still read what they could read before; what you add from now on is already locked with new keys.",
        };
}
