using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Testing;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// Firely's <c>FhirClient</c>, which knows nothing of sealing, pointed at the patient's gateway: it
/// reads the sealed Synthea record in the clear, writes resources that the FhirServer stores only
/// sealed, pages through searches without leaving the gateway, and runs a transaction.
/// </summary>
[Collection(GatewaySceneGroup.Name)]
public sealed class GatewayFirelyClientTests(GatewayScene scene)
{
    [Fact]
    public async Task Given_a_sealed_synthea_record_When_FhirClient_reads_each_resource_through_the_gateway_Then_each_equals_the_source()
    {
        using var client = Client();

        foreach (var source in scene.Source)
        {
            var read = await client.ReadAsync<Resource>($"{source.TypeName}/{source.Id}");
            read.ShouldNotBeNull().ShouldEqualSource(source);
        }

        // The test can fail: what the FhirServer holds is sealed.
        var patient = scene.Source.OfType<Patient>().Single();
        var stored = await scene.Patient.Fhir.ReadAsync("Patient", patient.Id!);
        stored.Body.ShouldContain(EncryptedSectionExtension.Url);
        stored.Body.ShouldNotContain(patient.Name[0].Family!);
    }

    [Fact]
    public async Task Given_the_gateway_When_FhirClient_creates_an_Observation_Then_it_reads_back_in_the_clear_and_its_value_is_in_no_pg_dump()
    {
        using var client = Client();
        var planted = "gateway-planted-" + Guid.NewGuid().ToString("N")[..12];
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8302-2", "Body height") { Text = planted + "-code" },
            Subject = new ResourceReference(scene.Patient.FhirUser),
            Value = new FhirString(planted),
        };

        var created = await client.CreateAsync(observation);

        var id = created.ShouldNotBeNull().Id.ShouldNotBeNull();
        var read = (await client.ReadAsync<Observation>($"Observation/{id}")).ShouldNotBeNull();
        read.Value.ShouldBe(new FhirString(planted), new FhirElementComparer());
        read.Code!.Text.ShouldBe(planted + "-code");
        var stored = await scene.Patient.Fhir.ReadAsync("Observation", id);
        stored.Body.ShouldContain(EncryptedSectionExtension.Url);
        var dump = await PostgresTools.DumpAsync(scene.System.FhirDatabase.Name);
        dump.ShouldContain(id);
        dump.ShouldNotContain(planted);
    }

    [Fact]
    public async Task Given_the_synthea_observations_When_FhirClient_pages_through_a_search_Then_every_page_comes_from_the_gateway_opened_and_all_are_found()
    {
        using var client = Client();
        var expected = scene.Source.OfType<Observation>().ToDictionary(o => o.Id!);
        var found = new Dictionary<string, Observation>();
        var pages = 0;

        var page = await client.SearchAsync<Observation>([$"subject={scene.Patient.FhirUser}", "_count=10"]);
        while (page is not null)
        {
            pages++;
            page.Link.ShouldAllBe(link => link.Url!.StartsWith(scene.Base.ToString(), StringComparison.Ordinal));
            foreach (var observation in page.Entry.Select(e => e.Resource).OfType<Observation>())
            {
                found[observation.Id!] = observation;
            }

            page = await client.ContinueAsync(page);
        }

        pages.ShouldBeGreaterThan(1);
        foreach (var (id, source) in expected)
        {
            found.ShouldContainKey(id);
            found[id].ShouldEqualSource(source);
        }
    }

    [Fact]
    public async Task Given_encounters_When_FhirClient_searches_with_include_Then_the_included_patient_comes_opened_too()
    {
        using var client = Client();

        var bundle = await client.SearchAsync<Encounter>([$"subject={scene.Patient.FhirUser}", "_include=Encounter:subject", "_count=5"]);

        var patient = bundle.ShouldNotBeNull().Entry.Select(e => e.Resource).OfType<Patient>().ShouldHaveSingleItem();
        patient.ShouldEqualSource(scene.Source.OfType<Patient>().Single());
        bundle.Entry.Select(e => e.Resource).OfType<Encounter>().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Given_a_condition_updated_through_the_gateway_When_FhirClient_reads_its_history_Then_both_versions_come_opened()
    {
        using var client = Client();
        var condition = (Condition)scene.Source.OfType<Condition>().First().DeepCopy();
        var coding = condition.Code!.Coding[0];
        var original = coding.Display;
        condition.Id = Guid.NewGuid().ToString("N");
        coding.Display = original + " (reviewed)";
        await client.UpdateAsync(condition);
        coding.Display = original + " (reviewed twice)";
        await client.UpdateAsync(condition);

        var history = await client.HistoryAsync($"Condition/{condition.Id}");

        var displays = history.ShouldNotBeNull().Entry.Select(e => e.Resource).OfType<Condition>().Select(c => c.Code!.Coding[0].Display).ToList();
        displays.ShouldBe([original + " (reviewed twice)", original + " (reviewed)"], ignoreOrder: true);
    }

    [Fact]
    public async Task Given_a_transaction_with_urn_uuid_references_When_FhirClient_runs_it_through_the_gateway_Then_both_are_stored_sealed_and_linked()
    {
        using var client = Client();
        var encounterUrn = "urn:uuid:" + Guid.NewGuid();
        var planted = "transaction-planted-" + Guid.NewGuid().ToString("N")[..12];
        var transaction = new TransactionBuilder(client.Endpoint)
            .Create(new Encounter
            {
                Status = Encounter.EncounterStatus.Finished,
                Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
                Subject = new ResourceReference(scene.Patient.FhirUser),
                ReasonCode = [new CodeableConcept { Text = planted + "-reason" }],
            })
            .Create(new Observation
            {
                Status = ObservationStatus.Final,
                Code = new CodeableConcept { Text = planted + "-code" },
                Subject = new ResourceReference(scene.Patient.FhirUser),
                Encounter = new ResourceReference(encounterUrn),
                Value = new FhirString(planted),
            })
            .ToBundle();
        transaction.Entry[0].FullUrl = encounterUrn;

        var response = await client.TransactionAsync(transaction);

        var locations = response.ShouldNotBeNull().Entry.Select(e => e.Response!.Location!).ToList();
        locations.Count.ShouldBe(2);
        locations.ShouldAllBe(l => l.StartsWith(scene.Base.ToString(), StringComparison.Ordinal) || !l.StartsWith("http", StringComparison.Ordinal));
        var encounterId = new ResourceIdentity(locations[0]).Id!;
        var observation = (await client.ReadAsync<Observation>(new ResourceIdentity(locations[1]).WithoutVersion().MakeRelative().ToString())).ShouldNotBeNull();
        observation.Encounter!.Reference.ShouldBe($"Encounter/{encounterId}");
        observation.Value.ShouldBe(new FhirString(planted), new FhirElementComparer());
        var dump = await PostgresTools.DumpAsync(scene.System.FhirDatabase.Name);
        dump.ShouldContain(encounterId);
        dump.ShouldNotContain(planted);
    }

    private FhirClient Client()
    {
        var client = new FhirClient(scene.Base, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false });
        client.RequestHeaders!.Authorization = new AuthenticationHeaderValue("Bearer", scene.Token);
        return client;
    }
}

/// <summary>Two FHIR elements are equal when they are exactly equal (Firely's <c>IsExactly</c>).</summary>
internal sealed class FhirElementComparer : IEqualityComparer<DataType>
{
    public bool Equals(DataType? x, DataType? y) => x is null ? y is null : y is not null && x.IsExactly(y);

    public int GetHashCode(DataType obj) => 0;
}
