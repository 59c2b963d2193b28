using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;

namespace SeSPHR.Portal.Sessions;

/// <summary>
/// Completes a patient's half-done grants and revocations (the open operations of their grant
/// journal) at sign-in, so a change a server outage interrupted does not wait for a visit to the
/// sharing page. A server that still does not answer leaves them open for the next run.
/// </summary>
public sealed class JournalRepair(PortalJournals journals, GrantLocks locks, ILogger<JournalRepair> log)
{
    public async Task CompleteAsync(PhrUser patient, CancellationToken cancellationToken)
    {
        using var held = await locks.HoldAsync(patient.RequireUserId, cancellationToken);
        var grants = PatientGrants.Open(patient, journals.For(patient));
        if (grants.Journal.OpenOperations().Count == 0)
        {
            return;
        }

        try
        {
            await grants.RepairAsync();
        }
        catch (Exception failure) when (failure is SrsUnavailableException or FhirServerUnavailableException or GrantingException)
        {
            log.LogInformation("A patient's unfinished grant operations stay open after sign-in: a server did not answer or refused.");
        }
    }
}
