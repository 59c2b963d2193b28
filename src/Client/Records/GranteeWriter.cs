using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Reading;
using SectionKey = SeSPHR.Phr.Envelopes.SectionKey;

namespace SeSPHR.Client.Records;

/// <summary>
/// A grantee's client writing into a patient's record (DESIGN.md §4 "Writes"): each section is sealed
/// to the section key and epoch the patient's verified grant statement names as current (never a key
/// a server proposes) and signed with the grantee's own signing key, the envelope naming both of the
/// grantee's public keys and carrying the proof of the grantee's write grant in that section (the
/// signed header with the opening of that one entry), so readers can accept it without learning the
/// grantee's other grants; it writes only sections its own entries let it write, with PUT under its own id.
/// </summary>
public sealed class GranteeWriter(PhrUser grantee, GranteeReader reader)
{
    /// <summary>Seals <paramref name="resource"/> for <paramref name="patientFhirUser"/>'s record after learning the newest statement.</summary>
    /// <exception cref="InvalidOperationException">the statement does not let this grantee write a section of the resource.</exception>
    public async Task<Resource> SealAsync(string patientFhirUser, Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var trust = await reader.LearnAsync(patientFhirUser);
        var statement = trust.Statement
            ?? throw new InvalidOperationException($"No grant statement of {patientFhirUser} is visible to this grantee.");
        var sealedResource = (DomainResource)SectionSealer.Seal((Resource)resource.DeepCopy(), section => KeyFor(trust, statement, section), grantee.Keys.Signer, grantee.Keys.DecryptionPublicKey);
        AttachProofs(sealedResource, trust);
        return sealedResource;
    }

    public async Task<FhirResponse> WriteAsync(string patientFhirUser, Resource resource) =>
        await grantee.Fhir.PutAsync(await SealAsync(patientFhirUser, resource));

    private static SectionKey KeyFor(PatientTrust trust, GrantStatementHeader statement, PhrSection section)
    {
        if (!trust.Allows(section.ToCode(), GrantActions.Write, DateTimeOffset.UtcNow))
        {
            throw new InvalidOperationException($"The patient's grant statement does not let this user write {section.ToCode()}.");
        }

        var current = statement.FindSection(section.ToCode())
            ?? throw new InvalidOperationException($"The patient's grant statement names no key for {section.ToCode()}.");
        return new SectionKey(current.Epoch, current.PublicKey);
    }

    private static void AttachProofs(DomainResource sealedResource, PatientTrust trust)
    {
        for (var i = 0; i < sealedResource.Extension.Count; i++)
        {
            if (EncryptedSectionExtension.IsEncryptedSection(sealedResource.Extension[i]))
            {
                var envelope = EncryptedSectionExtension.FromExtension(sealedResource.Extension[i]);
                var proof = trust.ProofFor(envelope.Section.ToCode())
                    ?? throw new InvalidOperationException($"No proof of a write grant in {envelope.Section.ToCode()} is at hand.");
                sealedResource.Extension[i] = (envelope with { WriteGrant = proof.ToBytes() }).ToExtension();
            }
        }
    }
}
