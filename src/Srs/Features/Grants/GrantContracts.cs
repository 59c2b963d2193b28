using FluentValidation;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Srs.Features.Grants;

// The validators of the grant API's requests (src/Contracts/Grants): every field the SRS reads
// is checked here and a failure is a problem+json 400 naming it.

internal sealed class GrantUploadRequestValidator : AbstractValidator<GrantUploadRequest>
{
    public GrantUploadRequestValidator()
    {
        RuleFor(r => r.ConsentId).Must(id => GrantVocabulary.NormalizeConsentId(id) is not null)
            .WithMessage("consentId must be Consent/{id} with a FHIR id.");
        RuleFor(r => r.GrantStatement).Must(s => GrantVocabulary.IsBase64(s, 1, GrantLimits.MaxSignedStatementBytes))
            .WithMessage("grantStatement must be base64 of a signed grant statement.");
        RuleFor(r => r.GrantOpenings).NotNull().WithMessage("grantOpenings is required.")
            .Must(o => o is null || o.Count is > 0 and <= GrantLimits.MaxOpeningsPerUpload)
            .WithMessage($"grantOpenings must hold 1 to {GrantLimits.MaxOpeningsPerUpload} items.");
        RuleForEach(r => r.GrantOpenings).Must(o => GrantVocabulary.IsBase64(o, 1, GrantLimits.MaxOpeningBytes))
            .WithMessage("each grant opening must be base64 of a grant opening.");
        RuleFor(r => r.Kfrags).NotNull().WithMessage("kfrags is required.")
            .Must(k => k is null || k.Count is > 0 and <= GrantLimits.MaxKfragsPerUpload)
            .WithMessage($"kfrags must hold 1 to {GrantLimits.MaxKfragsPerUpload} items.");
        RuleForEach(r => r.Kfrags).SetValidator(new KfragUploadItemValidator());
    }
}

internal sealed class KfragUploadItemValidator : AbstractValidator<KfragUploadItem>
{
    public KfragUploadItemValidator()
    {
        RuleFor(k => k.Section).Must(s => s is not null && GrantVocabulary.Sections.Contains(s)).WithMessage("section is not a known section code.");
        RuleFor(k => k.Epoch).NotNull().InclusiveBetween(0, uint.MaxValue).WithMessage("epoch must be 0 to 4294967295.");
        RuleFor(k => k.GranteeId).Must(id => Guid.TryParse(id, out _)).WithMessage("granteeId must be a user id (GUID).");
        RuleFor(k => k.DelegatingPublicKey).Must(IsPublicKey).WithMessage("delegatingPublicKey must be base64 of a compressed secp256k1 point.");
        RuleFor(k => k.Kfrag).Must(IsKeyFrag).WithMessage("kfrag must be base64 of an Umbral key fragment.");
        RuleFor(k => k.Start).NotNull().Must(GrantVocabulary.IsInstant).WithMessage("start must be an ISO 8601 instant.");
        RuleFor(k => k.End).Must(GrantVocabulary.IsInstant).WithMessage("end must be an ISO 8601 instant or null.");
        RuleFor(k => k).Must(k => GrantVocabulary.ParseInstant(k.End) > GrantVocabulary.ParseInstant(k.Start))
            .When(k => k.End is not null && k.Start is not null && GrantVocabulary.IsInstant(k.Start) && GrantVocabulary.IsInstant(k.End))
            .WithName("end").WithMessage("end must be after start.");
    }

    internal static bool IsPublicKey(string? value)
    {
        if (!GrantVocabulary.IsBase64(value, PublicKey.CompressedSize, PublicKey.CompressedSize))
            return false;
        try
        {
            PublicKey.FromBytes(Convert.FromBase64String(value!));
            return true;
        }
        catch (UmbralException)
        {
            return false;
        }
    }

    private static bool IsKeyFrag(string? value)
    {
        if (!GrantVocabulary.IsBase64(value, KeyFrag.SerializedSize, KeyFrag.SerializedSize))
            return false;
        try
        {
            KeyFrag.FromBytes(Convert.FromBase64String(value!));
            return true;
        }
        catch (UmbralException)
        {
            return false;
        }
    }
}

internal sealed class ReconcileRequestValidator : AbstractValidator<ReconcileRequest>
{
    public ReconcileRequestValidator()
    {
        RuleFor(r => r.Patient).Must(GrantVocabulary.IsPatientReference).WithMessage("patient must be Patient/{id}.");
        RuleFor(r => r.Grants).NotNull().WithMessage("grants is required (an empty list revokes everything).");
        RuleForEach(r => r.Grants).ChildRules(grant =>
        {
            grant.RuleFor(g => g.GranteeFhirUser).Must(GrantVocabulary.IsUserReference).When(g => g.GranteeFhirUser is not null)
                .WithMessage("granteeFhirUser must be a relative reference such as Practitioner/doc.");
            grant.RuleFor(g => g.Role).Must(r => SrsRoles.All.Contains(r!)).When(g => g.Role is not null)
                .WithMessage("role is not a known role.");
            grant.RuleFor(g => g).Must(g => g.GranteeFhirUser is null || g.Role is null).WithName("role")
                .WithMessage("A grant names a grantee or a role, not both.");
            grant.RuleFor(g => g.Section).Must(s => s is not null && GrantVocabulary.Sections.Contains(s)).WithMessage("section is not a known section code.");
            grant.RuleFor(g => g.Actions).NotEmpty().WithMessage("actions is required.")
                .Must(a => a is null || a.All(GrantVocabulary.Actions.Contains)).WithMessage("actions may hold only read and write.");
            grant.RuleFor(g => g.Start).Must(GrantVocabulary.IsInstant).WithMessage("start must be an ISO 8601 instant or null.");
            grant.RuleFor(g => g.End).Must(GrantVocabulary.IsInstant).WithMessage("end must be an ISO 8601 instant or null.");
        });
    }
}

internal sealed class ReencryptRequestValidator : AbstractValidator<ReencryptRequest>
{
    public ReencryptRequestValidator()
    {
        RuleFor(r => r.GranteeId).Must(id => Guid.TryParse(id, out _)).WithMessage("granteeId must be a user id (GUID).");
        RuleFor(r => r.Items).NotNull().WithMessage("items is required.")
            .Must(i => i is null || i.Count <= GrantLimits.MaxReencryptItems)
            .WithMessage($"items may hold at most {GrantLimits.MaxReencryptItems} entries.");
        // A capsule that is not a capsule is that item's bad-capsule, not the request's error; only
        // sizes are bounded here.
        RuleForEach(r => r.Items).ChildRules(item =>
        {
            item.RuleFor(i => i.Ref).NotNull().MaximumLength(GrantLimits.MaxRefLength).WithMessage($"ref is required, at most {GrantLimits.MaxRefLength} characters.");
            item.RuleFor(i => i.Patient).Must(GrantVocabulary.IsPatientReference).WithMessage("patient must be Patient/{id}.");
            item.RuleFor(i => i.Section).Must(s => s is not null && GrantVocabulary.Sections.Contains(s)).WithMessage("section is not a known section code.");
            item.RuleFor(i => i.Epoch).NotNull().InclusiveBetween(0, uint.MaxValue).WithMessage("epoch must be 0 to 4294967295.");
            item.RuleFor(i => i.Capsule).NotNull().MaximumLength((GrantLimits.MaxCapsuleBytes + 2) / 3 * 4)
                .WithMessage($"capsule is required, at most {GrantLimits.MaxCapsuleBytes} bytes.");
        });
    }
}
