using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SectionKey = SeSPHR.Phr.Envelopes.SectionKey;

namespace SeSPHR.Client.Records;

/// <summary>
/// The patient's own record as their client writes and reads it: every resource is split by the
/// section policy and each section sealed to the section's current epoch key and signed by the
/// patient, then written with PUT under the client-chosen id the envelopes are bound to.
/// </summary>
public sealed class PatientRecord(PhrUser patient, GrantBook book)
{
    public PhrUser Patient { get; } = patient;

    /// <summary>The id part of the patient's <c>fhirUser</c> (<c>Patient/{id}</c>).</summary>
    public string PatientId => Patient.FhirUser["Patient/".Length..];

    public ResourceReference Subject => new(Patient.FhirUser);

    public SectionKey KeyFor(PhrSection section)
    {
        var epoch = book.EpochOf(section);
        return new SectionKey(epoch, Patient.Keys.Sections.PublicKey(section.ToCode(), epoch));
    }

    /// <summary>What the cloud gets: the clear part with one signed envelope per section.</summary>
    public Resource Seal(Resource resource) => SectionSealer.Seal((Resource)resource.DeepCopy(), KeyFor, Patient.Keys.Signer, Patient.Keys.DecryptionPublicKey);

    public Task<FhirResponse> WriteAsync(Resource resource) => Patient.Fhir.PutAsync(Seal(resource));

    /// <summary>Opens a resource of the patient's own record with the patient's own section keys; only the patient's own envelopes.</summary>
    public Resource OpenOwn(Resource clear) => OpenOwn(clear, (_, writer) => writer.Equals(Patient.Keys.SigningPublicKey));

    /// <summary>
    /// As <see cref="OpenOwn(Resource)"/>, also accepting envelopes of grantees that prove a write
    /// grant in their section from one of the patient's own signed statements (<see cref="StatementWriters"/>).
    /// </summary>
    public Resource OpenOwnWithGranteeWrites(Resource clear) =>
        OpenOwn(clear, StatementWriters.For(clear, Patient.Keys.SigningPublicKey));

    private Resource OpenOwn(Resource clear, Func<PhrSection, Crypto.Umbral.PublicKey, bool> isAllowedWriter)
    {
        var keys = new List<Crypto.Umbral.SecretKey>();
        try
        {
            return SectionSealer.Open(
                clear,
                sealedSection =>
                {
                    var key = Patient.Keys.Sections.SecretKey(sealedSection.Section.ToCode(), sealedSection.Epoch);
                    keys.Add(key);
                    return EnvelopeRecipient.Owner(key);
                },
                isAllowedWriter);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }
}
