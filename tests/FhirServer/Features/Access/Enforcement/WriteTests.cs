using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>Who may write what (DESIGN.md §4 "Writes") and Consent writes reconciled with the SRS before they commit.</summary>
public sealed class WriteTests : IClassFixture<WriteTests.Data>, IDisposable
{
    private readonly Data _data;

    public WriteTests(Data data)
    {
        _data = data;
        _data.ResetFakes();
    }

    /// <summary>A record of its own: these tests change it.</summary>
    public sealed class Data : AccessData;

    public void Dispose() => _data.ResetFakes();

    [Fact]
    public async System.Threading.Tasks.Task A_grantee_with_collect_writes_in_that_section()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var response = await _data.TryPutAsync(doctor, _data.SealAs(AccessData.Doctor, new Condition { Id = "c-by-doc", Subject = new ResourceReference(AccessData.Pat), Code = new CodeableConcept("http://snomed.info/sct", "44054006") }));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Condition/c-by-doc" && r.Action == "create" && r.CallerUserId == AccessData.Doctor.Subject);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_grantee_cannot_write_a_section_it_may_only_read()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var response = await _data.TryPutAsync(doctor, _data.Seal(AccessData.Vital("v-by-doc", AccessData.Pat, 50)));
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.OutcomeCodeAsync()).ShouldBe("forbidden");

        using var family = _data.As(AccessData.Family);
        (await _data.TryPutAsync(family, _data.Seal(AccessData.Vital("v2", AccessData.Pat, 1)))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await family.DeleteAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var alice = _data.As(AccessData.Alice);
        (await alice.GetAsync("/fhir/Observation/v-by-doc")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task Moving_a_resource_to_another_record_is_judged_on_both()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var moved = await _data.TryPutAsync(doctor, _data.Seal(new Condition { Id = "c1", Subject = new ResourceReference(AccessData.Other), Code = new CodeableConcept("http://snomed.info/sct", "38341003") }));
        moved.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var bob = _data.As(AccessData.Bob);
        // Bob owns the target record but may not write c1 where it is: refused, as a write he may not make anywhere.
        var taken = await _data.TryPutAsync(bob, _data.Seal(new Condition { Id = "c1", Subject = new ResourceReference(AccessData.Other), Code = new CodeableConcept("http://snomed.info/sct", "38341003") }));
        taken.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var alice = _data.As(AccessData.Alice);
        var still = await (await alice.GetAsync("/fhir/Condition/c1")).BodyAsync();
        still.GetProperty("subject").GetProperty("reference").GetString().ShouldBe(AccessData.Pat);
    }

    [Fact]
    public async System.Threading.Tasks.Task Writing_over_a_withheld_resource_is_refused_as_any_write_the_caller_may_not_make()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var response = await _data.TryPutAsync(doctor, _data.Seal(new Coverage
        {
            Id = "cov1",
            Status = FinancialResourceStatusCodes.Active,
            Beneficiary = new ResourceReference(AccessData.Pat),
            Payor = [new ResourceReference("Organization/ins")],
        }));
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async System.Threading.Tasks.Task Only_the_patient_writes_their_Consents()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var byDoctor = await _data.TryPutAsync(doctor, ConsentOf(AccessData.Pat, Permit(People.Doctor).Sections(PhrSection.Personal)).With(c => c.Id = "c-self-granted"));
        byDoctor.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var bob = _data.As(AccessData.Bob);
        var byOtherPatient = await _data.TryPutAsync(bob, ConsentOf(AccessData.Pat, Permit(People.OtherPatient).Sections(PhrSection.Personal)).With(c => c.Id = "c-bob"));
        byOtherPatient.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // The doctor may read c-doc (it names them) but not change it.
        var changed = await _data.TryPutAsync(doctor, ConsentOf(AccessData.Pat, Permit(People.Doctor).Sections(PhrSection.Personal)).With(c => c.Id = "c-doc"));
        changed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        _data.Reconciler.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async System.Threading.Tasks.Task A_revocation_reconciles_first_and_commits_nothing_when_the_SRS_does_not_confirm()
    {
        using var alice = _data.As(AccessData.Alice);
        var revoked = ConsentOf(AccessData.Pat, Permit(People.Family).Reads().Sections(PhrSection.Vitals)).With(c =>
        {
            c.Id = "c-fam";
            c.Status = Consent.ConsentState.Inactive;
        });

        _data.Reconciler.Down = true;
        var refused = await _data.TryPutAsync(alice, revoked);
        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var unchanged = await (await alice.GetAsync("/fhir/Consent/c-fam")).BodyAsync();
        unchanged.GetProperty("status").GetString().ShouldBe("active");
        using (var family = _data.As(AccessData.Family))
        {
            (await family.GetAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        _data.Reconciler.Down = false;
        _data.Reconciler.Calls.Clear();
        (await _data.TryPutAsync(alice, revoked)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var call = _data.Reconciler.Calls.ShouldHaveSingleItem();
        (call.ConsentId, call.Patient).ShouldBe(("Consent/c-fam", AccessData.Pat));
        call.Grants.ShouldBeEmpty();

        using (var family = _data.As(AccessData.Family))
        {
            (await family.GetAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await AccessData.AllPagesAsync(family, "/fhir/Observation?_total=accurate")).Totals.ShouldAllBe(t => t == 0);
        }

        // Granting again tells the SRS what the Consent grants.
        _data.Reconciler.Calls.Clear();
        (await _data.TryPutAsync(alice, revoked.With(c => c.Status = Consent.ConsentState.Active))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var grant = _data.Reconciler.Calls.ShouldHaveSingleItem().Grants.ShouldHaveSingleItem();
        (grant.Grantee.Reference, grant.Section).ShouldBe(("RelatedPerson/fam", PhrSection.Vitals));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_Consent_deleted_inside_a_transaction_is_reconciled_before_the_commit()
    {
        using var alice = _data.As(AccessData.Alice);
        var json = new FhirJsonSerializer().SerializeToString(
            ConsentOf(AccessData.Pat, PermitRole(UserRole.Researcher).Reads().Sections(PhrSection.Vitals)).With(c => c.Id = "c-res"));
        (await alice.PutAsync("/fhir/Consent/c-res", FhirHttp.Json(json))).StatusCode.ShouldBe(HttpStatusCode.Created);
        _data.Reconciler.Calls.Clear();
        _data.Reconciler.Down = true;
        var transaction = """{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Consent/c-res"}}]}""";
        (await alice.PostAsync("/fhir", FhirHttp.Json(transaction))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await alice.GetAsync("/fhir/Consent/c-res")).StatusCode.ShouldBe(HttpStatusCode.OK);

        _data.Reconciler.Down = false;
        (await alice.PostAsync("/fhir", FhirHttp.Json(transaction))).StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Reconciler.Calls.Last().Grants.ShouldBeEmpty();
        (await alice.GetAsync("/fhir/Consent/c-res")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }
}
