using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>Alice's record, plus a write-only vitals grant to the pharmacist (Consent <c>c-pharm-write</c>).</summary>
public sealed class PharmacistWritesVitalsData : AccessData
{
    public override async System.Threading.Tasks.Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var alice = As(Alice);
        await PutAsync(alice, ConsentOf(Pat,
            Permit(People.Pharmacist).Actions(ConsentCodings.Collect, ConsentCodings.Correct).Sections(PhrSection.Vitals)).With(c => c.Id = "c-pharm-write"));
        ResetFakes();
    }
}
