using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// Who wrote each new envelope of a write (DESIGN.md §3 and §4 "Writes"). The signature check
/// (<c>ProtectedSectionGuard</c>) proves only that the key the envelope names signed it; here that key
/// must be the caller's own: the envelope's signing key and Umbral key must give the key fingerprint
/// the SRS vouches for in the token (<c>sesphr_key</c>), so nobody files an envelope under another
/// user's name, and a grantee may only bring envelopes of sections its Consents let it write
/// (<c>collect</c>/<c>correct</c>). Envelopes carried over unchanged from the stored version are not
/// the caller's writing and are exempt. Refusals name the section and the resource, never a value.
/// </summary>
/// <remarks>
/// A writer that is not the caller is 422 (the content is unacceptable from anyone, like a forged
/// envelope, as <c>ProtectedSectionGuard</c> answers); a section the caller may not write is 403, as
/// every other write the Consents do not allow.
/// </remarks>
public sealed class EnvelopeWriters(RequestAccess access, FhirSerialization serialization)
{
    /// <exception cref="FhirException">422 when a new envelope is not the caller's; 403 when its section is not the caller's to write.</exception>
    public void Check(Caller caller, ResourceWrite write, StoredResource? current)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(write);
        var next = write.Resource;
        if (next.IsDeleted || next.Json is not { } json || !json.Contains(EncryptedSectionExtension.Url, StringComparison.Ordinal)
            || serialization.ParseStored(json) is not DomainResource resource)
        {
            return;
        }

        var carried = CarriedEnvelopes(current);
        var label = $"{next.ResourceType}/{next.LogicalId}";
        foreach (var extension in resource.Extension.Where(EncryptedSectionExtension.IsEncryptedSection))
        {
            EncryptedSectionExtension envelope;
            try
            {
                envelope = EncryptedSectionExtension.FromExtension(extension);
            }
            catch (Exception malformed) when (malformed is FormatException or ArgumentException)
            {
                throw Unacceptable($"An encrypted-section extension of {label} is malformed.");
            }

            if (carried.Contains(Convert.ToBase64String(envelope.Envelope)))
            {
                continue;
            }

            var section = envelope.Section.ToCode();
            if (caller.KeyFingerprint is not { } own || envelope.WriterFingerprint() is not { } writer || !writer.Equals(own))
            {
                throw Unacceptable(
                    $"The sealed {section} section of {label} is not signed as the caller: an envelope names its writer's signing key and " +
                    "Umbral key (writer, writer-umbral-key), and their key fingerprint must be the caller's own (the token's sesphr_key).");
            }

            if (access.ConsentCheck && next.Patient is { } patient && !caller.IsPatient(patient)
                && access.AccessTo(patient)?.Decide(envelope.Section, AccessAction.Write, next.ResourceType, next.LogicalId) != ConsentDecision.Permit)
            {
                throw new FhirException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                    $"The caller's Consents do not allow writing the {section} section of this patient's record ({label}).");
            }
        }
    }

    private HashSet<string> CarriedEnvelopes(StoredResource? current)
    {
        var envelopes = new HashSet<string>(StringComparer.Ordinal);
        if (current is not { IsDeleted: false, Json: { } json } || !json.Contains(EncryptedSectionExtension.Url, StringComparison.Ordinal)
            || serialization.ParseStored(json) is not DomainResource stored)
        {
            return envelopes;
        }

        foreach (var extension in stored.Extension.Where(EncryptedSectionExtension.IsEncryptedSection))
        {
            try
            {
                envelopes.Add(Convert.ToBase64String(EncryptedSectionExtension.FromExtension(extension).Envelope));
            }
            catch (Exception malformed) when (malformed is FormatException or ArgumentException)
            {
                // A stored envelope that does not parse cannot be carried over; the new one is judged as new.
            }
        }

        return envelopes;
    }

    private static FhirException Unacceptable(string message) =>
        new(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Security, message);
}
