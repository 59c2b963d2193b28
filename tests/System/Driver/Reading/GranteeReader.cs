using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Driver.Accounts;
using SeSPHR.SystemTests.Driver.Grants;

namespace SeSPHR.SystemTests.Driver.Reading;

/// <summary>
/// A grantee's client reading another person's record: it pins the patient's signing key on first
/// use (from the key directory), learns the section keys from the patient's signed grant statement
/// (refusing one older than it has seen) and the Consents it may read, and opens each resource with
/// the cfrags the FhirServer attached, after verifying them and the writer's signature.
/// </summary>
public sealed class GranteeReader(PhrUser grantee)
{
    private readonly Dictionary<string, PatientTrust> _patients = new(StringComparer.Ordinal);

    /// <summary>Reads the patient's Consents visible to this grantee and refreshes what it trusts about the patient.</summary>
    public async Task<PatientTrust> LearnAsync(string patientFhirUser)
    {
        if (!_patients.TryGetValue(patientFhirUser, out var trust))
        {
            var entry = await grantee.Srs.FindByFhirUserAsync(patientFhirUser, grantee.RequireSrsAccessToken)
                ?? throw new InvalidOperationException($"{patientFhirUser} is not in the key directory.");
            var signingKey = PublicKey.FromBytes(Convert.FromBase64String(entry.SigningPublicKey));
            trust = new PatientTrust(patientFhirUser, new GrantStatementVerifier(entry.UserId, signingKey));
            _patients[patientFhirUser] = trust;
        }

        var consents = await grantee.Fhir.SearchAsync("Consent", "patient=" + Uri.EscapeDataString(patientFhirUser));
        foreach (var consent in consents.Entries().OfType<Consent>())
        {
            trust.Learn(consent);
        }

        return trust;
    }

    /// <summary>Opens one resource of the patient's record as this grantee.</summary>
    public OpenedResource Open(string patientFhirUser, Resource resource)
    {
        var trust = _patients.TryGetValue(patientFhirUser, out var known)
            ? known
            : throw new InvalidOperationException($"Learn {patientFhirUser}'s grants first.");
        return new SectionOpener(grantee.Keys.Decryption, trust.SigningKey, trust.KeyOf, trust.Statement).Open(resource);
    }
}

/// <summary>What a grantee trusts about one patient: the pinned signing key, the newest verified statement, and section keys.</summary>
public sealed class PatientTrust(string patientFhirUser, GrantStatementVerifier verifier)
{
    private readonly Dictionary<(PhrSection, uint), PublicKey> _sectionKeys = [];

    public string PatientFhirUser { get; } = patientFhirUser;

    public PublicKey SigningKey => verifier.PatientSigningKey;

    public GrantStatement? Statement { get; private set; }

    public PublicKey? KeyOf(PhrSection section, uint epoch)
    {
        if (Statement?.FindSection(section.ToCode()) is { } current && current.Epoch == epoch)
        {
            return current.PublicKey;
        }

        return _sectionKeys.GetValueOrDefault((section, epoch));
    }

    /// <summary>
    /// Takes a Consent's statement if it verifies under the pinned key and is not older than the
    /// newest seen (an older one is simply not used), and its hints of earlier epochs' keys.
    /// </summary>
    public void Learn(Consent consent)
    {
        if (ConsentDocument.ReadGrantStatement(consent) is { } signed)
        {
            var statement = signed.Verify(SigningKey);
            if (Statement is null || statement.Number > Statement.Number)
            {
                Statement = verifier.Accept(signed);
            }
        }

        foreach (var (section, epoch, key) in ConsentDocument.ReadSectionKeys(consent))
        {
            _sectionKeys[(section, epoch)] = key;
        }
    }
}
