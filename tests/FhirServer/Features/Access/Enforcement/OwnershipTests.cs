using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// Every resource has an owner (DESIGN.md §4 "Writes"): a Device that names a patient is part of
/// that patient's record, a directory entry is changed by the account it describes, its
/// organisation or an admin, and a Provenance by whoever may read and write into its targets.
/// </summary>
public sealed class OwnershipTests(OwnershipTests.Data data) : IClassFixture<OwnershipTests.Data>
{
    public sealed class Data : AccessData
    {
        public override async System.Threading.Tasks.Task InitializeAsync()
        {
            await base.InitializeAsync();
            using var alice = As(Alice);
            using var admin = As(Admin);
            await PutAsync(alice, Pump("pump", Pat, "insulin pump"));
            await PutAsync(alice, Pump("pump-to-remove", Pat, "insulin pump"));
            await PutAsync(admin, new Practitioner { Id = "doc", Active = true, Name = [new HumanName { Family = "House" }] });
            await PutAsync(admin, new Location { Id = "ward", Name = "Ward 3", ManagingOrganization = new ResourceReference("Organization/clinic") });
            await PutAsync(admin, new Device { Id = "scanner", DeviceName = [new Device.DeviceNameComponent { Name = "Scanner", Type = DeviceNameType.UserFriendlyName }] });
            await PutAsync(alice, ProvenanceOf("prov-alice", "Observation/v1"));

            // A Provenance whose first version named a lab result and whose second names a vital sign.
            await PutAsync(alice, ProvenanceOf("prov-moved", "Observation/m3"));
            await PutAsync(alice, ProvenanceOf("prov-moved", "Observation/v3"));
            ResetFakes();
        }
    }

    public static Device Pump(string id, string patient, string kind) => new()
    {
        Id = id,
        Patient = new ResourceReference(patient),
        Type = new CodeableConcept { Text = kind },
    };

    public static Provenance ProvenanceOf(string id, string target, string agent = AccessData.Pat) => new()
    {
        Id = id,
        Target = [new ResourceReference(target)],
        Recorded = DateTimeOffset.UtcNow,
        Agent = [new Provenance.AgentComponent { Who = new ResourceReference(agent) }],
    };

    [Theory]
    [InlineData("insurer", false)]
    [InlineData("bob", false)]
    [InlineData("family", false)]
    [InlineData("doctor", true)]
    [InlineData("alice", true)]
    public async System.Threading.Tasks.Task Given_a_Device_that_names_a_patient_When_others_search_for_it_Then_only_readers_of_her_medical_section_find_it(string caller, bool visible)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, totals, _) = await AccessData.AllPagesAsync(client, "/fhir/Device?patient=Patient/pat&_total=accurate");
        entries.Select(e => e.Key).Where(k => k.StartsWith("Device/pump", StringComparison.Ordinal)).Count().ShouldBe(visible ? 2 : 0);
        totals.ShouldAllBe(t => t == (visible ? 2 : 0));
        (await client.GetAsync("/fhir/Device/pump")).StatusCode.ShouldBe(visible ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        (await client.GetAsync("/fhir/Device/scanner")).StatusCode.ShouldBe(HttpStatusCode.OK, "a Device of no record stays a directory resource");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_insurer_When_it_attaches_a_Device_to_her_record_Then_it_is_refused_and_she_deletes_her_own()
    {
        using var insurer = data.As(AccessData.Insurer);
        (await data.TryPutAsync(insurer, Pump("opioid-pump", AccessData.Pat, "opioid infusion pump"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var alice = data.As(AccessData.Alice);
        (await alice.GetAsync("/fhir/Device/opioid-pump")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await alice.DeleteAsync("/fhir/Device/pump-to-remove")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await alice.GetAsync("/fhir/Device/pump-to-remove")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        data.Audit.Records.ShouldContain(r => r.ResourceKey == "Device/pump-to-remove" && r.Action == "delete");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_directory_entry_When_an_insurer_deactivates_and_renames_it_Then_it_is_refused_while_its_own_account_and_an_admin_may()
    {
        var renamed = new Practitioner { Id = "doc", Active = false, Name = [new HumanName { Family = "Quack" }] };
        using (var insurer = data.As(AccessData.Insurer))
        {
            (await data.TryPutAsync(insurer, renamed)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await insurer.DeleteAsync("/fhir/Practitioner/doc")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using (var pharmacist = data.As(AccessData.Pharmacist))
        {
            (await data.TryPutAsync(pharmacist, renamed)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var doctor = data.As(AccessData.Doctor);
        var current = await (await doctor.GetAsync("/fhir/Practitioner/doc")).BodyAsync();
        current.GetProperty("active").GetBoolean().ShouldBeTrue();
        current.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("House");

        (await data.TryPutAsync(doctor, new Practitioner { Id = "doc", Active = true, Name = [new HumanName { Family = "House", Given = ["Gregory"] }] }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        using var admin = data.As(AccessData.Admin);
        (await data.TryPutAsync(admin, new Practitioner { Id = "doc", Active = true, Name = [new HumanName { Family = "House", Given = ["Greg"] }] }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_organisation_When_it_maintains_directory_entries_Then_only_those_it_manages_change()
    {
        using var insurer = data.As(AccessData.Insurer);
        (await data.TryPutAsync(insurer, new Location { Id = "ins-office", Name = "Claims office", ManagingOrganization = new ResourceReference("Organization/ins") }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await data.TryPutAsync(insurer, new Location { Id = "ward", Name = "Ward 3 (closed)", ManagingOrganization = new ResourceReference("Organization/ins") }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the ward is the clinic's");
        (await data.TryPutAsync(insurer, new Location { Id = "ins-office", Name = "Handed over", ManagingOrganization = new ResourceReference("Organization/clinic") }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden, "an organisation does not hand its entries to another");
        (await data.TryPutAsync(insurer, new Device { Id = "scanner", Owner = new ResourceReference("Organization/ins") }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_self_registered_patient_When_she_attaches_a_forged_Provenance_to_another_patients_result_Then_it_is_refused_and_the_doctor_sees_nothing_forged()
    {
        using var bob = data.As(AccessData.Bob);
        var forged = ProvenanceOf("forged", "Observation/m1", agent: "Practitioner/doc");
        forged.Reason = [new CodeableConcept { Text = "patient is a drug seeker" }];
        var response = await data.TryPutAsync(bob, forged);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        forged.Id = null;
        (await bob.PostAsync("/fhir/Provenance", FhirHttp.Json(new FhirJsonSerializer().SerializeToString(forged))))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var doctor = data.As(AccessData.Doctor);
        var (entries, _, _) = await AccessData.AllPagesAsync(doctor, "/fhir/Observation?_id=m1&_revinclude=Provenance:target");
        entries.ShouldNotContain(e => e.Key.StartsWith("Provenance/", StringComparison.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_Provenance_the_caller_may_not_read_When_it_overwrites_or_deletes_it_Then_it_is_refused_as_for_an_absent_id()
    {
        using var bob = data.As(AccessData.Bob);
        var overwrite = await data.TryPutAsync(bob, ProvenanceOf("prov-alice", "Observation/v1", agent: AccessData.Other));
        var absent = await data.TryPutAsync(bob, ProvenanceOf("prov-nowhere", "Observation/v1", agent: AccessData.Other));
        overwrite.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        absent.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await overwrite.Content.ReadAsStringAsync()).Replace("prov-alice", "{id}", StringComparison.Ordinal)
            .ShouldBe((await absent.Content.ReadAsStringAsync()).Replace("prov-nowhere", "{id}", StringComparison.Ordinal));

        // Even naming only its own record, a writer cannot take over another's Provenance.
        (await data.TryPutAsync(bob, ProvenanceOf("prov-alice", "Observation/o1", agent: AccessData.Other))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await bob.DeleteAsync("/fhir/Provenance/prov-alice")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // The doctor reads both targets' sections but writes medical only: prov-alice is about a vital sign.
        using var doctor = data.As(AccessData.Doctor);
        (await doctor.DeleteAsync("/fhir/Provenance/prov-alice")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var alice = data.As(AccessData.Alice);
        var kept = await (await alice.GetAsync("/fhir/Provenance/prov-alice")).BodyAsync();
        kept.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_Provenance_that_named_a_withheld_target_before_When_its_old_version_is_read_Then_the_old_version_is_judged_by_its_own_targets()
    {
        // The family member reads vitals only: version 2 names a vital sign, version 1 a lab result.
        using var family = data.As(AccessData.Family);
        (await family.GetAsync("/fhir/Provenance/prov-moved")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await family.GetAsync("/fhir/Provenance/prov-moved/_history/2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await family.GetAsync("/fhir/Provenance/prov-moved/_history/1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var (entries, _, _) = await AccessData.AllPagesAsync(family, "/fhir/Provenance/prov-moved/_history");
        entries.Count.ShouldBe(1);

        using var doctor = data.As(AccessData.Doctor);
        (await doctor.GetAsync("/fhir/Provenance/prov-moved/_history/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
