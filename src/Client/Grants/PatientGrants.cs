using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Fhir;

namespace SeSPHR.Client.Grants;

/// <summary>
/// The patient's client granting and revoking access (DESIGN.md §5, flows 3 and 5), only through the
/// public APIs: the key directory for the grantee's keys, <c>POST /api/grants</c> for kfrags (held
/// pending by the SRS), then the Consent write on the FhirServer, which reconciles with the SRS before
/// it commits. A revocation writes the Consent inactive (or deletes it; the SRS deletes the kfrags
/// before the FhirServer answers), then moves each revoked section to a new epoch: a new delegating
/// key, a new grant statement, and kfrags of the new epoch for the grantees who keep the section.
/// </summary>
public sealed partial class PatientGrants
{
    private readonly PhrUser _patient;
    private readonly GrantJournal _journal;

    private PatientGrants(PhrUser patient, GrantJournal journal, GrantBook book)
    {
        _patient = patient;
        _journal = journal;
        Book = book;
    }

    public GrantBook Book { get; }

    public GrantJournal Journal => _journal;

    /// <summary>
    /// Called before each request of a grant or revocation and before the journal strikes the
    /// operation off, with the step's name (<see cref="GrantSteps"/>) and the Consent it concerns.
    /// The crash tests stop the client there; an ordinary client leaves it null.
    /// </summary>
    public Func<string, string, Task>? BeforeStep { get; set; }

    /// <summary>Opens the patient's journal folder (a new book when there is none yet).</summary>
    public static PatientGrants Open(PhrUser patient, string journalFolder)
    {
        var journal = new GrantJournal(journalFolder);
        var loaded = journal.LoadBook();
        var book = loaded ?? new GrantBook { PatientUserId = patient.RequireUserId, PatientFhirUser = patient.FhirUser };
        if (book.PatientUserId != patient.RequireUserId)
        {
            throw new InvalidOperationException("This journal belongs to another patient.");
        }

        // Only a new book is written: saving a loaded one again is a write per page view, and could
        // put back an older copy while another request's grant moves the book forward.
        if (loaded is null)
        {
            journal.SaveBook(book);
        }

        return new PatientGrants(patient, journal, book);
    }

    /// <summary>
    /// Grants <paramref name="sections"/> to the user whose <c>fhirUser</c> is
    /// <paramref name="granteeFhirUser"/>, provided the directory's keys have the fingerprint the
    /// patient compared with the grantee's own client (<paramref name="expectedFingerprint"/>);
    /// and, when <paramref name="writeSections"/> names any, the right to write those sections.
    /// </summary>
    public async Task<GranteeRecord> GrantAsync(string granteeFhirUser, KeyFingerprint expectedFingerprint, IReadOnlyList<PhrSection> sections, DateTimeOffset? end = null,
        IReadOnlyList<PhrSection>? writeSections = null)
    {
        var entry = await _patient.Srs.FindByFhirUserAsync(granteeFhirUser, await _patient.GetSrsAccessTokenAsync())
            ?? throw new GrantingException($"{granteeFhirUser} is not in the key directory.");
        if (entry.Status != "active")
        {
            throw new GrantingException($"{granteeFhirUser} is not an active user.");
        }

        var umbral = PublicKey.FromBytes(Convert.FromBase64String(entry.UmbralPublicKey));
        var signing = PublicKey.FromBytes(Convert.FromBase64String(entry.SigningPublicKey));
        var fingerprint = KeyFingerprint.Compute(umbral, signing);
        if (!fingerprint.Equals(expectedFingerprint))
        {
            throw new GrantingException($"The directory's keys for {granteeFhirUser} are not the ones compared ({fingerprint} is not {expectedFingerprint}).");
        }

        var now = DateTimeOffset.UtcNow;
        var grantee = new GranteeRecord(
            "grant-" + Guid.NewGuid().ToString("N"),
            entry.UserId.ToString(),
            granteeFhirUser,
            Convert.ToHexStringLower(fingerprint.ToBytes()),
            entry.UmbralPublicKey,
            sections.Distinct().ToList(),
            DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
            end)
        {
            WriteSections = writeSections?.Distinct().ToList() ?? [],
        };
        Book.Grantees.Add(grantee);
        Book.AdvanceStatement(now);
        var operation = new GrantOperation(GrantOperationKind.Grant, grantee.ConsentId);
        _journal.Begin(Book, operation);
        await RunAsync(operation);
        return grantee;
    }

    /// <summary>Ends a grant: the Consent becomes inactive (or is deleted), then its sections move to a new epoch.</summary>
    public async Task RevokeAsync(string consentId, bool deleteConsent = false)
    {
        var grantee = Book.FindGrantee(consentId) ?? throw new ArgumentException($"No current grant under {consentId}.", nameof(consentId));
        Book.Grantees.Remove(grantee);
        // A writer's sections move too: readers accept a grantee's envelope only at an epoch its
        // write grant was signed for, so the revoked writer cannot add to the new one.
        var rekeyed = grantee.Sections.Union(grantee.WriteSections).ToList();
        foreach (var section in rekeyed)
        {
            Book.Epochs[section]++;
        }

        Book.AdvanceStatement(DateTimeOffset.UtcNow);
        var operation = new GrantOperation(GrantOperationKind.Revoke, consentId, deleteConsent, rekeyed);
        _journal.Begin(Book, operation);
        await RunAsync(operation);
    }

    /// <summary>Runs again every operation an earlier run left unfinished; returns how many there were.</summary>
    public async Task<int> RepairAsync()
    {
        var open = _journal.OpenOperations();
        foreach (var operation in open)
        {
            await RunAsync(operation);
        }

        return open.Count;
    }

    public Func<PhrSection, uint, PublicKey> SectionPublicKey => (section, epoch) => _patient.Keys.Sections.PublicKey(section.ToCode(), epoch);

    // A FhirServer that cannot be reached or fails (a 5xx: it also answers 503 when the SRS it
    // reconciles with is down) is an outage, not a refusal: the operation stays in the journal and
    // the caller learns it is unfinished from FhirServerUnavailableException, like an SRS outage.
    private async Task RunAsync(GrantOperation operation)
    {
        try
        {
            await RunStepsAsync(operation);
        }
        catch (HttpRequestException failure)
        {
            throw new FhirServerUnavailableException("The FhirServer could not be reached; the grant journal keeps the operation for repair.", failure);
        }
    }

    private async Task RunStepsAsync(GrantOperation operation)
    {
        var statement = GrantStatements.Issue(Book, _patient.Keys);
        if (operation.Kind == GrantOperationKind.Grant)
        {
            if (Book.FindGrantee(operation.ConsentId) is { } grantee)
            {
                await StepAsync(GrantSteps.UploadKfrags, grantee.ConsentId);
                var uploads = KeyFragmentIssuer.ForGrantee(grantee, Book, _patient.Keys);
                if (uploads.Count > 0)
                {
                    // A write-only grant needs no kfrags: writers encrypt to the section's public key.
                    await UploadAsync(grantee, statement, uploads);
                }
                await StepAsync(GrantSteps.ConsentActive, grantee.ConsentId);
                await WriteConsentAsync(grantee, statement);
            }
            else if (Book.FindRoleGrant(operation.ConsentId) is { } roleGrant)
            {
                await RunRoleGrantAsync(roleGrant, statement);
            }
        }
        else
        {
            if (operation.Kind == GrantOperationKind.Revoke)
            {
                await StepAsync(GrantSteps.ConsentInactive, operation.ConsentId);
                await EndConsentAsync(operation);
            }

            var rekeyed = operation.RekeyedSections ?? [];
            foreach (var remaining in Book.Grantees)
            {
                var uploads = KeyFragmentIssuer.ForGrantee(remaining, Book, _patient.Keys, section =>
                    rekeyed.Contains(section) ? [Book.EpochOf(section)] : []);
                if (uploads.Count > 0)
                {
                    await StepAsync(GrantSteps.RegrantUpload, remaining.ConsentId);
                    await UploadAsync(remaining, statement, uploads);
                }

                // Every remaining Consent carries the new statement, so grantees learn the new epochs.
                await StepAsync(GrantSteps.RegrantConsent, remaining.ConsentId);
                await WriteConsentAsync(remaining, statement);
            }

            await RegrantRolesAsync(rekeyed, statement);
        }

        await StepAsync(GrantSteps.JournalDone, operation.ConsentId);
        _journal.Complete(operation);
    }

    private Task StepAsync(string step, string consentId) => BeforeStep?.Invoke(step, consentId) ?? Task.CompletedTask;

    private async Task UploadAsync(GranteeRecord grantee, IssuedStatement statement, IReadOnlyList<KfragUploadItem> uploads)
    {
        GrantUploadResponse answer;
        try
        {
            answer = await _patient.Srs.UploadGrantsAsync(
                new GrantUploadRequest("Consent/" + grantee.ConsentId, Convert.ToBase64String(statement.SignedHeader.ToBytes()),
                    [.. statement.OpeningsFor(grantee.FingerprintHex).Select(o => Convert.ToBase64String(o.ToBytes()))], uploads),
                await _patient.GetSrsAccessTokenAsync());
        }
        catch (SrsRequestException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            throw new GrantingException("The SRS has no POST /api/grants: its grant feature (kfrag upload, reconcile, re-encryption) is not in this build.");
        }

        if (answer.Accepted != uploads.Count)
        {
            throw new GrantingException($"The SRS accepted {answer.Accepted} of {uploads.Count} kfrags for {grantee.ConsentId}.");
        }
    }

    private async Task WriteConsentAsync(GranteeRecord grantee, IssuedStatement statement)
    {
        var response = await _patient.Fhir.PutAsync(ConsentDocument.Build(Book, grantee, statement, SectionPublicKey));
        EnsureWritten(response, "Consent/" + grantee.ConsentId);
    }

    private async Task EndConsentAsync(GrantOperation operation)
    {
        if (operation.DeleteConsent)
        {
            var deleted = await _patient.Fhir.DeleteAsync("Consent", operation.ConsentId);
            if (deleted.Status is not (HttpStatusCode.NotFound or HttpStatusCode.Gone))
            {
                EnsureWritten(deleted, "delete of Consent/" + operation.ConsentId);
            }

            return;
        }

        var current = await _patient.Fhir.ReadAsync("Consent", operation.ConsentId);
        if (current.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return;
        }

        var consent = current.As<Consent>();
        consent.Status = Consent.ConsentState.Inactive;
        EnsureWritten(await _patient.Fhir.PutAsync(consent), "Consent/" + operation.ConsentId);
    }

    private static void EnsureWritten(FhirResponse response, string what)
    {
        if ((int)response.Status >= 500)
        {
            throw new FhirServerUnavailableException($"The FhirServer failed ({(int)response.Status}) on the write of {what}; the journal keeps it for repair.");
        }

        if (!response.IsSuccess)
        {
            throw new GrantingException($"The FhirServer refused the write of {what} with {(int)response.Status}; the journal keeps it for repair.");
        }
    }
}

/// <summary>
/// The steps of a grant and of a revocation, in order. The revocation's move to new epochs is
/// recorded in the journal (with the grant book) before its first request, so the epoch of new
/// writes never lags a revocation that has returned; re-granting the remaining grantees at the new
/// epochs is its own pair of steps per grantee.
/// </summary>
public static class GrantSteps
{
    public const string UploadKfrags = "upload-kfrags";
    public const string ConsentActive = "consent-active";
    public const string ConsentInactive = "consent-inactive";
    public const string RegrantUpload = "regrant-upload";
    public const string RegrantConsent = "regrant-consent";
    public const string JournalDone = "journal-done";

    public static IReadOnlyList<string> OfGrant { get; } = [UploadKfrags, ConsentActive, JournalDone];

    /// <summary>With one remaining grantee who keeps a revoked section.</summary>
    public static IReadOnlyList<string> OfRevocation { get; } = [ConsentInactive, RegrantUpload, RegrantConsent, JournalDone];
}
