using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Testing;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// A JavaScript FHIR app's client, <c>fhir-kit-client</c> from npm, against the patient's gateway:
/// it never heard of SeSPHR, and still reads the sealed Synthea record in the clear, pages through
/// a search by the links the gateway hands out, creates an Observation that is stored sealed and
/// runs a transaction.
/// </summary>
[Collection(GatewaySceneGroup.Name)]
public sealed class GatewayFhirKitClientTests(GatewayScene scene)
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    [Fact]
    public async Task Given_a_sealed_synthea_record_When_fhir_kit_client_reads_and_pages_through_the_gateway_Then_it_gets_the_source_in_the_clear()
    {
        var patient = scene.Source.OfType<Patient>().Single();

        var output = await FhirKitClient.RunAsync(
            """
            const input = JSON.parse(await new Promise((done) => { let text = ''; process.stdin.on('data', (c) => text += c).on('end', () => done(text)); }));
            const client = new Client({ baseUrl: input.base, bearerToken: input.token });
            const capability = await client.capabilityStatement();
            const patient = await client.read({ resourceType: 'Patient', id: input.patientId });
            let page = await client.search({ resourceType: 'Observation', searchParams: { subject: 'Patient/' + input.patientId, _count: 10 } });
            const observations = [];
            const links = [];
            let pages = 0;
            while (page) {
              pages++;
              links.push(...(page.link || []).map((l) => l.url));
              observations.push(...(page.entry || []).map((e) => e.resource));
              page = await client.nextPage({ bundle: page });
            }
            process.stdout.write(JSON.stringify({ software: capability.software.name, patient, observations, links, pages }));
            """,
            new JsonObject { ["base"] = scene.Base.ToString().TrimEnd('/'), ["token"] = scene.Token, ["patientId"] = patient.Id });

        output["software"]!.GetValue<string>().ShouldBe("sesphr gateway");
        Parse(output["patient"]!).ShouldEqualSource(patient);
        output["pages"]!.GetValue<int>().ShouldBeGreaterThan(1);
        output["links"]!.AsArray().ShouldAllBe(link => link!.GetValue<string>().StartsWith(scene.Base.ToString(), StringComparison.Ordinal));
        var read = output["observations"]!.AsArray().Select(o => Parse(o!)).ToDictionary(o => o.Id!);
        foreach (var source in scene.Source.OfType<Observation>())
        {
            read.ShouldContainKey(source.Id!);
            read[source.Id!].ShouldEqualSource(source);
        }
    }

    [Fact]
    public async Task Given_the_gateway_When_fhir_kit_client_creates_an_Observation_and_runs_a_transaction_Then_both_are_stored_sealed_and_read_back_in_the_clear()
    {
        var planted = "kit-planted-" + Guid.NewGuid().ToString("N")[..12];

        var output = await FhirKitClient.RunAsync(
            """
            const input = JSON.parse(await new Promise((done) => { let text = ''; process.stdin.on('data', (c) => text += c).on('end', () => done(text)); }));
            const client = new Client({ baseUrl: input.base, bearerToken: input.token });
            const observation = (value) => ({ resourceType: 'Observation', status: 'final', code: { text: value + '-code' }, subject: { reference: input.patient }, valueString: value });
            const created = await client.create({ resourceType: 'Observation', body: observation(input.planted) });
            const createdRead = await client.read({ resourceType: 'Observation', id: created.id });
            const encounter = 'urn:uuid:' + crypto.randomUUID();
            const linked = { ...observation(input.planted + '-linked'), encounter: { reference: encounter } };
            const transaction = await client.transaction({ body: { resourceType: 'Bundle', type: 'transaction', entry: [
              { fullUrl: encounter, resource: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: input.patient } }, request: { method: 'POST', url: 'Encounter' } },
              { resource: linked, request: { method: 'POST', url: 'Observation' } },
            ] } });
            const linkedId = transaction.entry[1].response.location.split('/_history')[0].split('/').pop();
            const linkedRead = await client.read({ resourceType: 'Observation', id: linkedId });
            let unauthorised = 0;
            try { await new Client({ baseUrl: input.base }).read({ resourceType: 'Observation', id: created.id }); } catch (e) { unauthorised = e.response.status; }
            process.stdout.write(JSON.stringify({ created, createdRead, transaction, linkedRead, unauthorised }));
            """,
            new JsonObject { ["base"] = scene.Base.ToString().TrimEnd('/'), ["token"] = scene.Token, ["patient"] = scene.Patient.FhirUser, ["planted"] = planted });

        var created = (Observation)Parse(output["createdRead"]!);
        created.Value.ShouldBeOfType<FhirString>().Value.ShouldBe(planted);
        var linked = (Observation)Parse(output["linkedRead"]!);
        linked.Value.ShouldBeOfType<FhirString>().Value.ShouldBe(planted + "-linked");
        linked.Encounter!.Reference.ShouldStartWith("Encounter/");
        output["unauthorised"]!.GetValue<int>().ShouldBe(401);
        var stored = await scene.Patient.Fhir.ReadAsync("Observation", created.Id!);
        stored.Body.ShouldContain(EncryptedSectionExtension.Url);
        var dump = await PostgresTools.DumpAsync(scene.System.FhirDatabase.Name);
        dump.ShouldContain(created.Id!);
        dump.ShouldContain(linked.Id!);
        dump.ShouldNotContain(planted);
    }

    private static Resource Parse(JsonNode json) => Deserializer.DeserializeResource(json.ToJsonString());
}
