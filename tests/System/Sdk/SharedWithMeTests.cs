using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>
/// A grantee's list of the patients who share with it, as a doctor's start page shows it: found from
/// the Consents the FhirServer shows the doctor, and each grant read from the patient's verified
/// statement, so a revoked grant and a patient who never shared are not listed.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SharedWithMeTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_one_patient_sharing_medical_one_revoked_and_one_never_sharing_When_the_doctor_lists_shared_records_Then_only_the_first_with_its_sections()
    {
        using var doctor = await system.NewMemberAsync("shared-doctor", SrsRoles.Practitioner);
        using var sharing = await system.NewPatientAsync("shared-sharing");
        using var revoked = await system.NewPatientAsync("shared-revoked");
        using var stranger = await system.NewPatientAsync("shared-stranger");
        await PatientGrants.Open(sharing, system.JournalFolder(sharing)).GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Medical, PhrSection.Vitals]);
        var revoking = PatientGrants.Open(revoked, system.JournalFolder(revoked));
        var grant = await revoking.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Insurance]);
        await revoking.RevokeAsync(grant.ConsentId);

        var shared = await new GranteeReader(doctor).SharedWithMeAsync();

        var only = shared.ShouldHaveSingleItem();
        only.PatientFhirUser.ShouldBe(sharing.FhirUser);
        only.Sections(GrantActions.Read, DateTimeOffset.UtcNow).ShouldBe([PhrSection.Vitals, PhrSection.Medical], ignoreOrder: true);
        only.Sections(GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeEmpty();
        only.Until.ShouldBeNull();
        shared.ShouldNotContain(s => s.PatientFhirUser == stranger.FhirUser);
    }
}
