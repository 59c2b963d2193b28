using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Serialization;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Sdk.Fhir;

/// <summary>
/// Firely's own <see cref="FhirClient"/>, as an integrator uses it, against the real servers through the
/// SDK's sealing handler: one realistic resource of every type the section policy files in a record
/// (<see cref="SampleRecord"/>) is created, read, searched and sent in a transaction. The patient gets
/// back what they wrote, element for element; a doctor granted some sections gets those open and the
/// rest withheld or marked sealed, as the server answers; an insurer without a grant gets nothing.
/// What the server stores is sealed.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SealedFhirClientTests(SesphrSystem system)
{
    private static readonly FhirJsonSerializer Json = new();

    [Fact]
    public async Task Given_every_type_of_the_section_policy_When_the_patient_creates_reads_and_searches_them_through_FhirClient_Then_each_equals_its_source_and_is_stored_sealed()
    {
        using var patient = await system.NewPatientAsync("fhirclient-patient");
        using var client = Record(patient).CreateFhirClient();

        foreach (var source in SampleRecord.For(patient.FhirUser))
        {
            var written = await WriteAsync(client, source);
            written.Id.ShouldNotBeNullOrEmpty();
            ShouldEqualSource(written, source);
            ShouldEqualSource(await client.ReadAsync<Resource>($"{source.TypeName}/{written.Id}"), source);
            var found = await client.SearchAsync(source.TypeName, [$"_id={written.Id}"]);
            ShouldEqualSource(found!.Entry.ShouldHaveSingleItem().Resource, source);

            var stored = await patient.Fhir.ReadAsync(source.TypeName, written.Id!);
            stored.Status.ShouldBe(HttpStatusCode.OK);
            if (SectionPolicy.For(source).HasProtectedSection)
            {
                stored.Body.ShouldContain(EncryptedSectionExtension.Url, customMessage: $"{source.TypeName} is stored sealed");
            }
        }
    }

    [Fact]
    public async Task Given_every_type_of_the_section_policy_When_the_patient_sends_them_as_one_transaction_with_urn_uuid_references_Then_each_is_stored_under_a_client_id_and_reads_back_equal()
    {
        using var patient = await system.NewPatientAsync("fhirclient-transaction");
        using var client = Record(patient).CreateFhirClient();
        var sources = SampleRecord.For(patient.FhirUser);
        var encounterUrl = "urn:uuid:" + Guid.NewGuid();
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var source in sources)
        {
            if (source is Observation observation)
            {
                observation.Encounter = new ResourceReference(encounterUrl);
            }

            var entry = source is Patient
                ? new Bundle.EntryComponent { Resource = source, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{source.Id}" } }
                : new Bundle.EntryComponent { Resource = source, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = source.TypeName } };
            entry.FullUrl = source is Encounter ? encounterUrl : "urn:uuid:" + Guid.NewGuid();
            bundle.Entry.Add(entry);
        }

        var answer = await client.TransactionAsync(bundle);

        answer!.Type.ShouldBe(Bundle.BundleType.TransactionResponse);
        var locations = answer.Entry.Select(e => new ResourceIdentity(e.Response!.Location)).ToList();
        var encounterId = locations[sources.ToList().FindIndex(s => s is Encounter)].Id;
        for (var i = 0; i < sources.Count; i++)
        {
            locations[i].ResourceType.ShouldBe(sources[i].TypeName);
            if (sources[i] is Observation observation)
            {
                // The client rewrote the urn:uuid reference to the id it chose for the Encounter.
                observation.Encounter = new ResourceReference($"Encounter/{encounterId}");
            }

            ShouldEqualSource(await client.ReadAsync<Resource>($"{locations[i].ResourceType}/{locations[i].Id}"), sources[i]);
        }
    }

    [Fact]
    public async Task Given_a_doctor_granted_vitals_medical_and_prescriptions_When_reading_every_type_through_FhirClient_Then_granted_sections_open_the_patient_is_marked_and_the_rest_withheld()
    {
        using var patient = await system.NewPatientAsync("fhirclient-granting");
        using var doctor = await system.NewMemberAsync("fhirclient-doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        PhrSection[] granted = [PhrSection.Vitals, PhrSection.Medical, PhrSection.Prescriptions];
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, granted);
        using var patientClient = new PatientRecord(patient, grants.Book).CreateFhirClient();
        using var doctorClient = doctor.CreateFhirClient();

        foreach (var source in SampleRecord.For(patient.FhirUser))
        {
            var id = (await WriteAsync(patientClient, source)).Id;
            var location = $"{source.TypeName}/{id}";
            var section = SectionPolicy.SectionOf(source) ?? SectionPolicy.For(source).RecordSection!.Value;
            if (granted.Contains(section))
            {
                var read = await doctorClient.ReadAsync<Resource>(location);
                ShouldEqualSource(read, source);
                read!.SealedSections().ShouldBeEmpty();
                (await doctorClient.SearchAsync(source.TypeName, [$"_id={id}"]))!.Entry.ShouldHaveSingleItem();
            }
            else if (source is Patient)
            {
                // Any permit shows the Patient; the server withholds its personal envelope, and the
                // client marks the section as sealed for this reader rather than dropping it unseen.
                var read = (Patient)(await doctorClient.ReadAsync<Resource>(location))!;
                read.SealedSections().ShouldBe([PhrSection.Personal]);
                read.Name.ShouldBeEmpty();
                read.BirthDate.ShouldBeNull();
            }
            else
            {
                var refused = await Should.ThrowAsync<FhirOperationException>(() => doctorClient.ReadAsync<Resource>(location));
                refused.Status.ShouldBe(HttpStatusCode.NotFound, location);
                (await doctorClient.SearchAsync(source.TypeName, [$"_id={id}"]))!.Entry.ShouldBeEmpty();
            }
        }
    }

    [Fact]
    public async Task Given_an_insurer_without_a_grant_When_reading_every_type_through_FhirClient_Then_nothing_is_served()
    {
        using var patient = await system.NewPatientAsync("fhirclient-private");
        using var insurer = await system.NewMemberAsync("fhirclient-insurer", SrsRoles.Insurer);
        using var patientClient = Record(patient).CreateFhirClient();
        using var insurerClient = insurer.CreateFhirClient();

        foreach (var source in SampleRecord.For(patient.FhirUser))
        {
            var id = (await WriteAsync(patientClient, source)).Id;
            var refused = await Should.ThrowAsync<FhirOperationException>(() => insurerClient.ReadAsync<Resource>($"{source.TypeName}/{id}"));
            refused.Status.ShouldBe(HttpStatusCode.NotFound, source.TypeName);
            (await insurerClient.SearchAsync(source.TypeName, [$"_id={id}"]))!.Entry.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task Given_a_doctor_with_a_vitals_write_grant_When_writing_through_FhirClient_Then_creates_and_transactions_are_sealed_by_the_doctor_and_a_section_outside_the_grant_is_refused_before_sending()
    {
        using var patient = await system.NewPatientAsync("fhirclient-written");
        using var doctor = await system.NewMemberAsync("fhirclient-writer", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals], writeSections: [PhrSection.Vitals]);
        using var patientClient = new PatientRecord(patient, grants.Book).CreateFhirClient();
        using var doctorClient = doctor.CreateFhirClient();
        var sources = SampleRecord.For(patient.FhirUser);
        var vitals = sources.OfType<Observation>().First(o => SectionPolicy.SectionOf(o) == PhrSection.Vitals);

        var created = await doctorClient.CreateAsync((Observation)vitals.DeepCopy());
        ShouldEqualSource(created, vitals);
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:" + Guid.NewGuid(),
            Resource = (Resource)vitals.DeepCopy(),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        });
        var location = new ResourceIdentity((await doctorClient.TransactionAsync(bundle))!.Entry.Single().Response!.Location);

        foreach (var id in new[] { created!.Id, location.Id })
        {
            var stored = (DomainResource)(await patient.Fhir.ReadAsync("Observation", id!)).Resource!;
            EncryptedSectionExtension.ReadAll(stored).Single().WriterFingerprint().ShouldBe(doctor.Keys.Fingerprint);
            ShouldEqualSource(await patientClient.ReadAsync<Resource>($"Observation/{id}"), vitals);
        }

        var condition = sources.OfType<Condition>().Single();
        await Should.ThrowAsync<WriteNotGrantedException>(() => doctorClient.CreateAsync((Condition)condition.DeepCopy()));
    }

    /// <summary>The patient's own Patient is updated under its id (the server files the record by it); the rest are created.</summary>
    internal static async Task<Resource> WriteAsync(FhirClient client, Resource source) =>
        (source is Patient ? await client.UpdateAsync((Resource)source.DeepCopy()) : await client.CreateAsync((Resource)source.DeepCopy()))
        ?? throw new InvalidOperationException($"No {source.TypeName} came back from the write.");

    internal static void ShouldEqualSource(Resource? read, Resource source)
    {
        read.ShouldNotBeNull();
        Json.SerializeToString(SampleRecord.WithoutIdAndMeta(read)).ShouldBe(Json.SerializeToString(SampleRecord.WithoutIdAndMeta(source)), $"{source.TypeName} read back");
    }

    private PatientRecord Record(PhrUser patient) => new(patient, PatientGrants.Open(patient, system.JournalFolder(patient)).Book);
}
