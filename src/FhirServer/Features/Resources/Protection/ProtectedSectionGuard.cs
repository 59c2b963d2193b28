using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Http;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Resources.Protection;

/// <summary>
/// Keeps protected sections out of the cloud in clear. A write is refused (422) when a protected
/// element arrives in clear (the answer names the element, never its value), and every sealed
/// section must carry an envelope whose writer signature verifies for this resource, section and
/// epoch and for the resource's current bound clear fields; so the server can neither accept a
/// forged or moved envelope nor let a writer change a bound field under an old signature. An
/// update that sends no envelope for a section keeps the previous version's envelope, which must
/// then still verify.
/// </summary>
public sealed class ProtectedSectionGuard(IOptions<FhirServerOptions> options, FhirSerialization serialization)
{
    /// <summary>
    /// Writer keys seen lately, parsed once: decompressing a key costs a square root, and verifying
    /// against the same point object lets the curve library reuse its precomputed multiples. A
    /// bounded set of public values; it is emptied when full.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PublicKey> _writerKeys = new(StringComparer.Ordinal);
    private const int WriterKeysKept = 10_000;

    public void Check(Resource resource, string? previousJson)
    {
        if (!Applies(resource, out var policy) || resource is not DomainResource domain)
        {
            return;
        }

        var inClear = SectionPolicy.FindProtectedInClear(resource);
        if (inClear.Count > 0)
        {
            throw Refuse(
                $"Protected element(s) sent in clear: {string.Join(", ", inClear.Take(20))}. Seal them in an encrypted-section envelope (SeSPHR client SDK).",
                inClear.Take(20));
        }

        var sealedSections = ReadEnvelopes(domain);
        if (sealedSections.Count == 0 && previousJson is not null)
        {
            CarryOver(domain, previousJson);
            sealedSections = ReadEnvelopes(domain);
        }

        if (sealedSections.Count == 0)
        {
            return;
        }

        var expectedSection = policy.SectionOf(resource);
        if (sealedSections.Count > 1 || sealedSections[0].Section != expectedSection)
        {
            throw Refuse($"A {resource.TypeName} like this one carries exactly one sealed section, '{expectedSection?.ToCode()}'.", []);
        }

        var section = sealedSections[0];
        if (section.CapsuleFragments.Count > 0)
        {
            throw Refuse("Capsule fragments are added by the server on reads; a write must not carry them.", []);
        }

        if (section.Algorithm != SectionSealer.Algorithm)
        {
            throw Refuse($"The sealed section's algorithm must be '{SectionSealer.Algorithm}'.", []);
        }

        var boundHash = BoundFields.Hash(resource);
        try
        {
            var writer = WriterKey(section.WriterKey);
            var context = new EnvelopeContext(resource.TypeName, resource.Id!, section.Section.ToCode(), section.Epoch);
            SectionEnvelope.VerifySignature(section.Envelope, context, boundHash, writer);
        }
        catch (Exception invalid) when (invalid is EnvelopeException or UmbralException or ArgumentException)
        {
            throw Refuse(
                $"The sealed {section.Section.ToCode()} section does not verify for {resource.TypeName}/{resource.Id}: it is forged, altered, " +
                "moved from another resource or epoch, or a bound clear field changed without a re-signed envelope.",
                []);
        }
    }

    private PublicKey WriterKey(byte[] compressed)
    {
        var hex = Convert.ToHexString(compressed);
        if (_writerKeys.TryGetValue(hex, out var known))
        {
            return known;
        }

        if (_writerKeys.Count >= WriterKeysKept)
        {
            _writerKeys.Clear();
        }

        return _writerKeys.GetOrAdd(hex, PublicKey.FromBytes(compressed));
    }

    /// <summary>
    /// The protected elements <paramref name="resource"/> holds in clear, which a write refuses, as
    /// error issues each naming its element (never its value): what <c>$validate</c> reports.
    /// </summary>
    public IReadOnlyList<OperationOutcome.IssueComponent> FindingsOf(Resource resource) =>
        !Applies(resource, out _)
            ? []
            : SectionPolicy.FindProtectedInClear(resource).Select(element => new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Security,
                Diagnostics = $"{element} is a protected element sent in clear; a write refuses it. Seal it in an encrypted-section envelope (SeSPHR client SDK).",
                Expression = [element],
            }).ToList();

    private bool Applies(Resource resource, out ResourcePolicy policy)
    {
        policy = null!;
        if (!options.Value.ProtectedSections || !SectionPolicy.IsSupported(resource.TypeName))
        {
            return false;
        }

        policy = SectionPolicy.For(resource.TypeName);
        return policy.HasProtectedSection;
    }

    /// <summary>Whether a write brings sealed sections (these need a client-chosen id, so no server-assigned create).</summary>
    public bool IsSealed(Resource resource) =>
        options.Value.ProtectedSections && resource is DomainResource domain && domain.Extension.Any(EncryptedSectionExtension.IsEncryptedSection);

    private static List<EncryptedSectionExtension> ReadEnvelopes(DomainResource resource)
    {
        try
        {
            return EncryptedSectionExtension.ReadAll(resource).ToList();
        }
        catch (Exception malformed) when (malformed is FormatException or ArgumentException)
        {
            throw Refuse("An encrypted-section extension is malformed: " + malformed.Message, []);
        }
    }

    private void CarryOver(DomainResource resource, string previousJson)
    {
        if (serialization.ParseStored(previousJson) is DomainResource previous)
        {
            resource.Extension.AddRange(previous.Extension.Where(EncryptedSectionExtension.IsEncryptedSection).Select(e => (Extension)e.DeepCopy()));
        }
    }

    private static FhirException Refuse(string message, IEnumerable<string> expressions)
    {
        var outcome = FhirException.OutcomeOf(OperationOutcome.IssueType.Security, message, null);
        outcome.Issue[0].Expression = expressions.ToList();
        return new FhirException(StatusCodes.Status422UnprocessableEntity, outcome);
    }
}
