using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// The write part of a grant in its Consent (DESIGN.md §4 "Writes"): a permit for the same grantee,
/// key fingerprint and period with actions <c>collect</c> and <c>correct</c> over the sections it may
/// write. Read and write provisions sit side by side under a root without a decision of its own
/// (naming the same grantee and period), because a provision nested in a permit is an exception to
/// it, not a second grant.
/// </summary>
public static class WriteGrants
{
    public const string Collect = "collect";
    public const string Correct = "correct";

    /// <summary>Adds the write provision when the grantee writes any section; a write-only grant keeps no read provision.</summary>
    public static void AddTo(Consent consent, GranteeRecord grantee)
    {
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentNullException.ThrowIfNull(grantee);
        if (grantee.WriteSections.Count == 0)
        {
            return;
        }

        var read = consent.Provision ?? throw new ArgumentException("The Consent has no read provision to pair with.", nameof(consent));
        var write = (Consent.provisionComponent)read.DeepCopy();
        write.Action =
        [
            new CodeableConcept(ConsentDocument.ActionSystem, Collect),
            new CodeableConcept(ConsentDocument.ActionSystem, Correct),
        ];
        write.SecurityLabel = grantee.WriteSections.Select(section => new Coding(ConsentDocument.SectionSystem, section.ToCode())).ToList();
        consent.Provision = new Consent.provisionComponent
        {
            // The root names the grantee too: the FhirServer shows a Consent to the actors of its
            // top-level provision (the R4 `actor` search parameter), and the root's scope is theirs alone.
            Actor = read.Actor.Select(actor => (Consent.provisionActorComponent)actor.DeepCopy()).ToList(),
            Period = (Period?)read.Period?.DeepCopy(),
            Provision = grantee.Sections.Count > 0 ? [read, write] : [write],
        };
    }
}
