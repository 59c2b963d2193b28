using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;

namespace SeSPHR.Client.Reading;

/// <summary>
/// A grantee's client reading another person's record: it pins the patient's signing key on first
/// use (from the key directory), learns the section keys from the patient's signed grant statement
/// header (refusing one older than it has seen) and its own grant from the openings of its own
/// entries, in the Consents it may read, and opens each resource with the cfrags the FhirServer
/// attached, after verifying them and the writer's signature.
/// </summary>
public sealed class GranteeReader(PhrUser grantee)
{
    private readonly Dictionary<string, PatientTrust> _patients = new(StringComparer.Ordinal);
    private readonly VerifiedSignatures _kfragSignatures = new();

    /// <summary>Reads the patient's Consents visible to this grantee and refreshes what it trusts about the patient.</summary>
    public async Task<PatientTrust> LearnAsync(string patientFhirUser)
    {
        if (!_patients.TryGetValue(patientFhirUser, out var trust))
        {
            var entry = await grantee.Srs.FindByFhirUserAsync(patientFhirUser, await grantee.GetSrsAccessTokenAsync())
                ?? throw new InvalidOperationException($"{patientFhirUser} is not in the key directory.");
            var signingKey = PublicKey.FromBytes(Convert.FromBase64String(entry.SigningPublicKey));
            trust = new PatientTrust(patientFhirUser, new GrantStatementVerifier(entry.UserId.ToString(), signingKey), grantee.Keys);
            _patients[patientFhirUser] = trust;
        }

        var consents = await grantee.Fhir.SearchAsync("Consent", "patient=" + Uri.EscapeDataString(patientFhirUser));
        foreach (var consent in consents.Entries().OfType<Consent>())
        {
            trust.Learn(consent);
        }

        return trust;
    }

    /// <summary>
    /// The patients who share part of their record with this grantee: every active Consent the
    /// FhirServer shows it (those naming it, alone or as an approved member of a granted role), each
    /// patient's grant statement verified under the patient's pinned key, and this grantee's own
    /// entries in it. A patient whose entries grant nothing at <paramref name="at"/> is left out. The
    /// cloud chooses which Consents it shows, so it can hide a patient; it cannot invent a grant.
    /// </summary>
    public async Task<IReadOnlyList<SharedRecord>> SharedWithMeAsync(DateTimeOffset? at = null)
    {
        var when = at ?? DateTimeOffset.UtcNow;
        var patients = new SortedSet<string>(StringComparer.Ordinal);
        for (string? page = "Consent?status=active&_count=100"; page is not null;)
        {
            var answer = await grantee.Fhir.SendAsync(HttpMethod.Get, page);
            if ((int)answer.Status >= 500)
            {
                throw new FhirServerUnavailableException($"The FhirServer answered {(int)answer.Status} to the search for Consents.");
            }

            if (!answer.IsSuccess)
            {
                throw new InvalidOperationException($"The FhirServer answered {(int)answer.Status} to the search for Consents.");
            }

            foreach (var consent in answer.Entries().OfType<Consent>().Where(c => c.Status == Consent.ConsentState.Active))
            {
                if (consent.Patient?.Reference is { } patient && patient.StartsWith("Patient/", StringComparison.Ordinal))
                {
                    patients.Add(patient);
                }
            }

            page = (answer.Resource as Bundle)?.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
        }

        var shared = new List<SharedRecord>();
        foreach (var patient in patients)
        {
            var record = (await LearnAsync(patient)).Shared;
            if (record.Sections(GrantActions.Read, when).Count + record.Sections(GrantActions.Write, when).Count > 0)
            {
                shared.Add(record);
            }
        }

        return shared;
    }

    /// <summary>Opens one resource of the patient's record as this grantee.</summary>
    public OpenedResource Open(string patientFhirUser, Resource resource)
    {
        var trust = _patients.TryGetValue(patientFhirUser, out var known)
            ? known
            : throw new InvalidOperationException($"Learn {patientFhirUser}'s grants first.");
        return new SectionOpener(grantee.Keys.Decryption, trust.SigningKey, trust.KeyOf, _kfragSignatures).Open(resource);
    }
}

/// <summary>
/// What a grantee trusts about one patient: the pinned signing key, the newest verified statement
/// header, the grantee's own entries under it (each opened against the signed root), and section keys.
/// </summary>
public sealed class PatientTrust(string patientFhirUser, GrantStatementVerifier verifier, UserKeys own)
{
    private readonly Dictionary<(PhrSection, uint), PublicKey> _sectionKeys = [];
    private readonly Dictionary<string, GrantOpening> _ownOpenings = new(StringComparer.Ordinal);

    public string PatientFhirUser { get; } = patientFhirUser;

    public PublicKey SigningKey => verifier.PatientSigningKey;

    /// <summary>The newest header accepted.</summary>
    public GrantStatementHeader? Statement { get; private set; }

    /// <summary>The signed form of <see cref="Statement"/>, to attach to a write.</summary>
    public SignedGrantStatement? SignedStatement { get; private set; }

    /// <summary>This grantee's own entries under <see cref="Statement"/>, one per section it holds.</summary>
    public IReadOnlyList<GrantEntry> OwnEntries => [.. _ownOpenings.Values.Select(o => o.Entry)];

    /// <summary>What the patient's newest verified statement grants this grantee, section by section.</summary>
    public SharedRecord Shared => new(PatientFhirUser, [.. _ownOpenings.Values.Select(o => o.Entry.Grant)]);

    /// <summary>Whether the patient's newest statement lets this grantee do <paramref name="action"/> in <paramref name="section"/> at <paramref name="at"/>.</summary>
    public bool Allows(string section, GrantActions action, DateTimeOffset at) =>
        _ownOpenings.TryGetValue(section, out var opening) && opening.Entry.Allows(own.Fingerprint, section, action, at);

    /// <summary>The proof of this grantee's own entry in <paramref name="section"/>, for a reader of what it writes; null when it holds none.</summary>
    public GrantEntryProof? ProofFor(string section) =>
        SignedStatement is { } signed && _ownOpenings.TryGetValue(section, out var opening) ? new GrantEntryProof(signed, opening) : null;

    public PublicKey? KeyOf(PhrSection section, uint epoch)
    {
        if (Statement?.FindSection(section.ToCode()) is { } current && current.Epoch == epoch)
        {
            return current.PublicKey;
        }

        return _sectionKeys.GetValueOrDefault((section, epoch));
    }

    /// <summary>
    /// Takes a Consent's statement header if it verifies under the pinned key and is not older than
    /// the newest seen (an older one is simply not used), the openings of its own entries that lead
    /// to that header's root, and its hints of earlier epochs' keys.
    /// </summary>
    public void Learn(Consent consent)
    {
        if (ConsentDocument.ReadGrantStatement(consent) is { } signed)
        {
            var header = signed.Verify(SigningKey);
            if (Statement is null || header.Number >= Statement.Number)
            {
                // The same number again must be the same statement (the verifier refuses a fork).
                var accepted = verifier.Accept(signed);
                if (Statement is null || accepted.Number > Statement.Number)
                {
                    Statement = accepted;
                    SignedStatement = signed;
                    _ownOpenings.Clear();
                }

                // An inactive (revoked) Consent still teaches the statement and earlier keys, but grants nothing.
                var openings = consent.Status == Consent.ConsentState.Active ? ConsentDocument.ReadOpenings(consent, own.Decryption) : [];
                foreach (var opening in openings.Where(o => o.Entry.Fingerprint.Equals(own.Fingerprint)))
                {
                    _ownOpenings[Statement.Open(opening).Section] = opening;
                }
            }
        }

        foreach (var (section, epoch, key) in ConsentDocument.ReadSectionKeys(consent))
        {
            _sectionKeys[(section, epoch)] = key;
        }
    }
}

/// <summary>One patient's record as shared with this grantee: its own grants from the patient's verified statement.</summary>
public sealed record SharedRecord(string PatientFhirUser, IReadOnlyList<SectionGrant> Grants)
{
    /// <summary>The id part of <see cref="PatientFhirUser"/>.</summary>
    public string PatientId => PatientFhirUser["Patient/".Length..];

    /// <summary>The sections in which this grantee may do <paramref name="action"/> at <paramref name="at"/>, in the order of <see cref="PhrSectionCodes.All"/>.</summary>
    public IReadOnlyList<PhrSection> Sections(GrantActions action, DateTimeOffset at) =>
        [.. PhrSectionCodes.All.Where(section => Grants.Any(grant => grant.Section == section.ToCode() && grant.Allows(action, at)))];

    /// <summary>When the last of the grants ends; null when one has no end.</summary>
    public DateTimeOffset? Until => Grants.Count == 0 || Grants.Any(g => g.End is null) ? null : Grants.Max(g => g.End);
}
