using Hl7.Fhir.Model;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Reading;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The SDK boundary for what goes wrong while opening a record: the crypto layer's exceptions become
/// the SDK's typed errors (<see cref="SeSPHRClientException"/>), so a caller can tell a tampered record
/// from a bad re-encryption and from a writer the patient never allowed, and no message carries a
/// protected value.
/// </summary>
public static class EnvelopeFailures
{
    /// <summary>
    /// Refuses the resource when an envelope's writer is neither the patient (by the signing key the
    /// reader trusts) nor a grantee that proves a write grant in that section from the patient's
    /// signed statement. Checked before anything is opened, so the error names the writer, not the bytes.
    /// </summary>
    /// <param name="resource">the resource as the server sent it.</param>
    /// <param name="patientSigningKey">the patient's signing key as the reader pinned it.</param>
    /// <param name="onlyOpenable">check only the envelopes that carry cfrags (a grantee opens no others).</param>
    public static void RequireAllowedWriters(Resource resource, PublicKey patientSigningKey, bool onlyOpenable = false)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is not DomainResource domain)
        {
            return;
        }

        var isAllowed = StatementWriters.For(resource, patientSigningKey);
        foreach (var envelope in Translate(() => EncryptedSectionExtension.ReadAll(domain)))
        {
            if (onlyOpenable && envelope.CapsuleFragments.Count == 0)
            {
                continue;
            }

            var writer = WriterKey(envelope);
            if (!isAllowed(envelope.Section, writer))
            {
                throw new UntrustedWriterException(
                    $"The {envelope.Section.ToCode()} section of {resource.TypeName}/{resource.Id} is signed by a writer the patient's grant statement does not allow to write it.");
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="open"/> and reports its crypto failures as the SDK's typed errors. An Umbral
    /// failure is a cfrag's fault when cfrags were used (the envelope's own capsule is checked with
    /// its signature, before any cfrag), and the envelope's otherwise.
    /// </summary>
    public static T Translate<T>(Func<T> open, bool withCapsuleFragments = false)
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return open();
        }
        catch (Exception failure) when (ToClientError(failure, withCapsuleFragments) is { } error)
        {
            throw error;
        }
    }

    /// <inheritdoc cref="Translate{T}(Func{T}, bool)"/>
    public static async Task<T> TranslateAsync<T>(Func<Task<T>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return await open();
        }
        catch (Exception failure) when (ToClientError(failure, withCapsuleFragments: false) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The typed error for a failure of the crypto layer; null for anything else (passed on unchanged).</summary>
    public static SeSPHRClientException? ToClientError(Exception failure, bool withCapsuleFragments) => failure switch
    {
        SeSPHRClientException => null,
        EnvelopeException => new TamperedEnvelopeException("A sealed section does not verify: it was altered, forged or moved from elsewhere.", failure),
        SectionMergeException => new TamperedEnvelopeException("A sealed section does not fit the resource it came with.", failure),
        UmbralException or UnknownSectionKeyException when withCapsuleFragments => new InvalidCapsuleFragmentException(
            "A re-encrypted key fragment that came with a sealed section does not verify for this section, reader and patient.", failure),
        UmbralException => new TamperedEnvelopeException("A sealed section carries a malformed key.", failure),
        GrantStatementException => new TamperedEnvelopeException("The patient's grant statement does not verify.", failure),
        FormatException => new TamperedEnvelopeException("A sealed section is malformed.", failure),
        _ => null,
    };

    private static PublicKey WriterKey(EncryptedSectionExtension envelope)
    {
        try
        {
            return PublicKey.FromBytes(envelope.WriterKey);
        }
        catch (UmbralException malformed)
        {
            throw new TamperedEnvelopeException("A sealed section names a malformed writer key.", malformed);
        }
    }
}
