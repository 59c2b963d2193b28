using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Sdk;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.RoleGrants;

/// <summary>
/// A role grant to a role anyone can register for (related persons need no approval) is no grant to
/// the public: a stranger who registers in that role, with a <c>fhirUser</c> that imitates the
/// patient's, sees nothing of her record until she approves them, and her pending list shows who
/// they are by what the SRS vouches for, with the imitation marked.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class UnapprovedMembersTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_role_grant_to_related_persons_When_a_stranger_registers_as_one_Then_they_see_nothing_until_the_patient_approves_them()
    {
        using var patient = await system.NewPatientAsync("kin");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var pulse = Vitals.Pulse(record, 64);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();
        var grant = await grants.GrantRoleAsync(SrsRoles.RelatedPerson, [PhrSection.Vitals]);
        var patientId = patient.FhirUser["Patient/".Length..];
        using var stranger = PhrUser.Create(system.Endpoints, "kin-" + Guid.NewGuid().ToString("N")[..8], SrsRoles.RelatedPerson, "RelatedPerson/" + patientId);
        (await stranger.RegisterAsync()).Status.ShouldBe("active");
        await stranger.LoginAsync();

        (await stranger.Fhir.ReadAsync("Patient", patientId)).Status.ShouldNotBe(HttpStatusCode.OK, "the stranger saw the masked Patient");
        (await stranger.Fhir.ReadAsync("Observation", pulse.Id!)).Status.ShouldNotBe(HttpStatusCode.OK, "the stranger saw the vital sign's id, code and date");
        foreach (var query in new[] { $"patient={patient.FhirUser}&_total=accurate", "_total=accurate", "_summary=count" })
        {
            var found = await stranger.Fhir.SearchAsync("Observation", query);
            found.Status.ShouldBe(HttpStatusCode.OK);
            found.As<Bundle>().Total.ShouldBe(0, query);
        }

        (await stranger.Fhir.SearchAsync("Patient", "_total=accurate")).As<Bundle>().Entry.ShouldNotContain(e => e.Resource is Patient && e.Resource.Id == patientId);

        var listed = (await grants.PendingMembersAsync()).Single(p => p.UserId.ToString() == stranger.RequireUserId && p.ConsentId == "Consent/" + grant.ConsentId);
        listed.Username.ShouldBe(stranger.Username);
        listed.Fingerprint.ShouldBe(Convert.ToHexStringLower(stranger.Keys.Fingerprint.ToBytes()));
        listed.RegisteredAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-10));
        listed.SelfChosen.FhirUser.ShouldBe("RelatedPerson/" + patientId);
        listed.SelfChosen.ResemblesYours.ShouldBeTrue();

        await grants.ApprovePendingAsync(p => p.UserId.ToString() == stranger.RequireUserId);

        var reader = new GranteeReader(stranger);
        await reader.LearnAsync(patient.FhirUser);
        var opened = await reader.ReadAndOpenAsync(stranger, patient.FhirUser, "Observation", pulse.Id!);
        ((Quantity)((Observation)opened.Resource).Value!).Value.ShouldBe(64);
    }
}
