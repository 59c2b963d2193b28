using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>
/// What the SRS and the FhirServer do for a read, done in memory so the driver's crypto can be
/// tested without them: verify an uploaded kfrag as the SRS does, re-encrypt each envelope's capsule,
/// and attach the cfrag to the envelope's extension as the FhirServer does.
/// </summary>
internal static class LocalProxy
{
    public static Resource Reencrypt(Resource sealedResource, KfragUploadItem upload, PublicKey patientSigningKey, PublicKey granteeKey)
    {
        var kfrag = KeyFrag.FromBytes(Convert.FromBase64String(upload.Kfrag!))
            .Verify(patientSigningKey, PublicKey.FromBytes(Convert.FromBase64String(upload.DelegatingPublicKey!)), granteeKey);
        var copy = (DomainResource)sealedResource.DeepCopy();
        var sections = EncryptedSectionExtension.ReadAll(copy);
        copy.Extension.RemoveAll(EncryptedSectionExtension.IsEncryptedSection);
        foreach (var section in sections)
        {
            var capsule = SectionEnvelope.ReadHeader(section.Envelope).Capsule;
            var cfrag = UmbralPre.Reencrypt(capsule, kfrag);
            copy.Extension.Add((section with { CapsuleFragments = [cfrag.ToBytes()] }).ToExtension());
        }

        return copy;
    }
}
