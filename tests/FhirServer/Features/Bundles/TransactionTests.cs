using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

public sealed class TransactionTests(PlainFhirServerFixture server) : IClassFixture<PlainFhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static string Patient(string? id = null, string? identifier = null, string family = "Lovelace") =>
        $$"""{"resourceType":"Patient"{{(id is null ? "" : $",\"id\":\"{id}\"")}}{{(identifier is null ? "" : $",\"identifier\":[{{\"system\":\"urn:test:mrn\",\"value\":\"{identifier}\"}}]")}},"name":[{"family":"{{family}}"}]}""";

    private static string Encounter(string subject) =>
        $$$"""{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"{{{subject}}}"}}""";

    private static string Observation(string subject, string? encounter = null, string? id = null) =>
        $$"""
        {"resourceType":"Observation"{{(id is null ? "" : $",\"id\":\"{id}\"")}},"status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
         "subject":{"reference":"{{subject}}"}{{(encounter is null ? "" : $",\"encounter\":{{\"reference\":\"{encounter}\"}}")}}}
        """;

    private Task<long> RowsAsync(string table) => server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.{table}");

    private async Task<(long Current, long Versions, long References)> RowCountsAsync() =>
        (await RowsAsync("mt_doc_storedresource"), await RowsAsync("mt_doc_storedresourceversion"), await RowsAsync("search_reference"));

    [Fact]
    public async Task Given_urn_uuid_references_between_posted_entries_When_committed_Then_they_point_to_the_server_ids()
    {
        var (patientUrn, encounterUrn) = ($"urn:uuid:{Guid.NewGuid()}", $"urn:uuid:{Guid.NewGuid()}");
        var bundle = Bundle("transaction",
            Post($"urn:uuid:{Guid.NewGuid()}", Observation(patientUrn, encounterUrn)),
            Post(encounterUrn, Encounter(patientUrn)),
            Post(patientUrn, Patient()));

        var entries = await Client.PostBundleOkAsync(bundle, "transaction-response");

        entries.Count.ShouldBe(3);
        entries.ShouldAllBe(e => e.Status() == "201 Created");
        var (observation, encounter, patient) = (entries[0].TypeAndId(), entries[1].TypeAndId(), entries[2].TypeAndId());
        observation.ShouldStartWith("Observation/");
        encounter.ShouldStartWith("Encounter/");
        patient.ShouldStartWith("Patient/");
        entries[0].GetProperty("response").GetProperty("etag").GetString().ShouldBe("W/\"1\"");
        entries[0].GetProperty("response").TryGetProperty("lastModified", out _).ShouldBeTrue();
        entries[0].GetProperty("fullUrl").GetString().ShouldEndWith("/fhir/" + observation);

        var stored = await Client.ReadAsync(observation);
        stored.GetProperty("subject").GetProperty("reference").GetString().ShouldBe(patient);
        stored.GetProperty("encounter").GetProperty("reference").GetString().ShouldBe(encounter);
        (await Client.ReadAsync(encounter)).GetProperty("subject").GetProperty("reference").GetString().ShouldBe(patient);
        (await Client.CountAsync($"Observation?subject={patient}")).ShouldBe(1);
        (await Client.CountAsync($"Encounter?patient={patient}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_put_entries_with_client_ids_When_committed_Then_the_ids_are_kept_and_references_to_their_fullUrls_resolve()
    {
        var (patientId, observationId) = (Unique("p"), Unique("o"));
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var bundle = Bundle("transaction",
            Put(null, Observation(patientUrn, id: observationId)),
            Put(patientUrn, Patient(patientId)));

        var entries = await Client.PostBundleOkAsync(bundle, "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "201 Created"]);
        entries[0].TypeAndId().ShouldBe($"Observation/{observationId}");
        entries[1].TypeAndId().ShouldBe($"Patient/{patientId}");
        (await Client.ReadAsync($"Observation/{observationId}")).GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{patientId}");

        var again = await Client.PostBundleOkAsync(Bundle("transaction", Put(null, Patient(patientId, family: "Byron"))), "transaction-response");

        again[0].Status().ShouldBe("200 OK");
        again[0].GetProperty("response").GetProperty("etag").GetString().ShouldBe("W/\"2\"");
        (await Client.ReadAsync($"Patient/{patientId}")).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Byron");
    }

    public static TheoryData<string, string, int> FailingLastEntries => new()
    {
        { "id differs from the url", Put(null, Patient("one"), url: "Patient/other"), 400 },
        { "read of a missing resource", Get("Patient/never-there"), 404 },
        { "reference to no entry", Post(null, Observation($"urn:uuid:{Guid.NewGuid()}")), 400 },
        { "type the server does not serve", Post(null, """{"resourceType":"Substance","code":{"text":"x"}}"""), 404 },
        { "resource of another type than the url", Entry(null, Patient(), "POST", "Observation"), 400 },
        { "post without a resource", Entry(null, null, "POST", "Patient"), 400 },
        { "operation", Entry(null, """{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"x"}]}""", "POST", "ValueSet/$lookup"), 400 },
        { "conditional reference matching nothing", Post(null, Observation("Patient?identifier=urn:test:mrn|nobody")), 400 },
    };

    [Theory]
    [MemberData(nameof(FailingLastEntries))]
    public async Task Given_a_transaction_whose_last_entry_fails_When_posted_Then_nothing_is_stored(string why, string lastEntry, int status)
    {
        var identifier = Unique("rollback");
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var before = await RowCountsAsync();
        var bundle = Bundle("transaction",
            Post(patientUrn, Patient(identifier: identifier)),
            Post(null, Encounter(patientUrn)),
            Put(null, Observation(patientUrn, id: identifier)),
            lastEntry);

        var response = await Client.PostBundleAsync(bundle);

        ((int)response.StatusCode).ShouldBe(status, why);
        var outcome = await response.BodyAsync();
        outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        outcome.GetProperty("issue")[0].GetProperty("expression")[0].GetString()!.ShouldStartWith("Bundle.entry[3]");
        outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString()!.ShouldStartWith("Bundle.entry[3]");
        (await RowCountsAsync()).ShouldBe(before);
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(0);
        (await Client.GetAsync($"/fhir/Observation/{identifier}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_a_transaction_updating_several_resources_When_committed_Then_search_finds_the_new_values_only()
    {
        var (first, second) = (Unique("p"), Unique("p"));
        var (old1, old2, new1, new2) = (Unique("old"), Unique("old"), Unique("new"), Unique("new"));
        await Client.PostBundleOkAsync(Bundle("transaction", Put(null, Patient(first, old1)), Put(null, Patient(second, old2))), "transaction-response");

        await Client.PostBundleOkAsync(Bundle("transaction", Put(null, Patient(first, new1)), Put(null, Patient(second, new2))), "transaction-response");

        foreach (var gone in new[] { old1, old2 })
        {
            (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{gone}")).ShouldBe(0);
        }

        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{new1}")).ShouldBe(1);
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{new2}")).ShouldBe(1);
        (await Client.CountAsync($"Patient?_id={first},{second}")).ShouldBe(2);
    }

    [Fact]
    public async Task Given_a_stale_ifMatch_When_a_transaction_updates_Then_412_and_nothing_is_stored()
    {
        var patientId = Unique("p");
        (await Client.PutAsync($"/fhir/Patient/{patientId}", FhirHttp.Json(Patient(patientId)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = await RowCountsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Observation($"Patient/{patientId}")),
            Put(null, Patient(patientId, family: "Changed"), ifMatch: "W/\"2\"")));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("conflict");
        (await RowCountsAsync()).ShouldBe(before);
        var patient = await Client.ReadAsync($"Patient/{patientId}");
        patient.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
        patient.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
    }

    [Fact]
    public async Task Given_a_patch_with_a_stale_ifMatch_in_a_transaction_When_posted_Then_412_and_nothing_is_stored()
    {
        var id = Unique("p");
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));
        var patch = Convert.ToBase64String("""[{"op":"replace","path":"/name/0/family","value":"Byron"}]"""u8.ToArray());
        var before = await RowCountsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient()),
            Entry(null, $$"""{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{patch}}"}""", "PATCH", $"Patient/{id}", ifMatch: "W/\"9\"")));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await RowCountsAsync()).ShouldBe(before);
        (await Client.ReadAsync($"Patient/{id}")).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
    }

    [Fact]
    public async Task Given_concurrent_transactions_creating_the_same_resources_When_they_race_Then_the_loser_gets_409_never_500()
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var ids = Enumerable.Range(0, 5).Select(_ => Unique("race")).ToList();
            var bundle = Bundle("transaction", ids.Select(id => Put(null, Patient(id))).ToArray());

            var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Client.PostBundleAsync(bundle, "return=minimal")));

            responses.Select(r => (int)r.StatusCode).ShouldAllBe(status => status == 200 || status == 409);
            responses.ShouldContain(r => r.StatusCode == HttpStatusCode.OK);
            foreach (var id in ids)
            {
                (await Client.ReadAsync($"Patient/{id}")).GetProperty("id").GetString().ShouldBe(id);
            }
        }
    }

    [Fact]
    public async Task Given_the_current_ifMatch_When_a_transaction_updates_Then_the_next_version_is_written()
    {
        var patientId = Unique("p");
        await Client.PutAsync($"/fhir/Patient/{patientId}", FhirHttp.Json(Patient(patientId)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", Put(null, Patient(patientId, family: "Changed"), ifMatch: "W/\"1\"")), "transaction-response");

        entries[0].Status().ShouldBe("200 OK");
        entries[0].GetProperty("response").GetProperty("location").GetString().ShouldEndWith($"/fhir/Patient/{patientId}/_history/2");
    }

    [Fact]
    public async Task Given_conditional_references_When_committed_Then_they_resolve_by_search()
    {
        var identifier = Unique("mrn");
        var patientId = Unique("p");
        await Client.PutAsync($"/fhir/Patient/{patientId}", FhirHttp.Json(Patient(patientId, identifier)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{identifier}")),
            Post(null, Encounter($"Patient?identifier=urn:test:mrn|{identifier}"))), "transaction-response");

        (await Client.ReadAsync(entries[0].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{patientId}");
        (await Client.ReadAsync(entries[1].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{patientId}");
    }

    [Fact]
    public async Task Given_a_conditional_reference_to_a_patient_the_same_transaction_creates_When_committed_Then_it_resolves_to_that_patient()
    {
        var identifier = Unique("new-mrn");

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{identifier}")),
            Post(null, Patient(identifier: identifier))), "transaction-response");

        var patient = entries[1].TypeAndId();
        patient.ShouldStartWith("Patient/");
        (await Client.ReadAsync(entries[0].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe(patient);
    }

    [Fact]
    public async Task Given_a_conditional_reference_matching_a_stored_patient_and_one_the_transaction_creates_When_posted_Then_412_and_nothing_is_stored()
    {
        var identifier = Unique("both-mrn");
        await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier: identifier)));
        var before = await RowCountsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(identifier: identifier)),
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{identifier}"))));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        (await RowCountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_conditional_reference_by_a_code_alone_or_another_system_When_the_transaction_creates_the_patient_Then_the_token_rules_decide()
    {
        var identifier = Unique("code-only");

        var byCode = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Patient(identifier: identifier)),
            Post(null, Observation($"Patient?identifier={identifier}"))), "transaction-response");
        (await Client.ReadAsync(byCode[1].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe(byCode[0].TypeAndId());

        var otherSystem = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(identifier: Unique("code-only"))),
            Post(null, Observation($"Patient?identifier=urn:other|{identifier}"))));
        otherSystem.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_conditional_reference_matching_two_resources_When_posted_Then_412_and_nothing_is_stored()
    {
        var identifier = Unique("twin");
        await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier: identifier)));
        await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier: identifier)));
        var before = await RowCountsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Encounter("Patient/whoever")),
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{identifier}"))));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        (await RowCountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_a_stored_resource_When_committed_Then_it_is_not_created_again_and_references_go_to_it()
    {
        var identifier = Unique("mrn");
        var existing = (await (await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier: identifier)))).BodyAsync()).GetProperty("id").GetString();
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(patientUrn, Patient(identifier: identifier), ifNoneExist: $"identifier=urn:test:mrn|{identifier}"),
            Post(null, Observation(patientUrn))), "transaction-response");

        entries[0].Status().ShouldBe("200 OK");
        entries[0].TypeAndId().ShouldBe($"Patient/{existing}");
        entries[1].Status().ShouldBe("201 Created");
        (await Client.ReadAsync(entries[1].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{existing}");
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_nothing_twice_in_one_transaction_When_committed_Then_one_resource_is_created()
    {
        var identifier = Unique("mrn");
        var condition = $"Patient?identifier=urn:test:mrn|{identifier}";

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post($"urn:uuid:{Guid.NewGuid()}", Patient(identifier: identifier), ifNoneExist: condition),
            Post($"urn:uuid:{Guid.NewGuid()}", Patient(identifier: identifier), ifNoneExist: condition)), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK"]);
        entries[1].TypeAndId().ShouldBe(entries[0].TypeAndId());
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_two_entries_with_one_fullUrl_When_posted_Then_400_naming_the_second()
    {
        var urn = $"urn:uuid:{Guid.NewGuid()}";

        var response = await Client.PostBundleAsync(Bundle("transaction", Post(urn, Patient()), Post(urn, Patient())));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var issue = (await response.BodyAsync()).GetProperty("issue")[0];
        issue.GetProperty("code").GetString().ShouldBe("duplicate");
        issue.GetProperty("expression")[0].GetString().ShouldBe("Bundle.entry[1].fullUrl");
    }

    [Theory]
    [InlineData("PUT", "PUT")]
    [InlineData("PUT", "DELETE")]
    [InlineData("DELETE", "DELETE")]
    public async Task Given_two_entries_changing_one_resource_When_posted_Then_400_and_nothing_is_stored(string first, string second)
    {
        var id = Unique("p");
        var before = await RowCountsAsync();
        string Change(string method) => method == "PUT" ? Put(null, Patient(id)) : Delete($"Patient/{id}");

        var response = await Client.PostBundleAsync(Bundle("transaction", Post(null, Patient()), Change(first), Change(second)));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBe("duplicate");
        (await RowCountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_conditional_create_and_a_conditional_update_with_one_condition_When_posted_Then_the_create_finds_what_the_update_writes()
    {
        var identifier = Unique("mrn");
        var condition = $"Patient?identifier=urn:test:mrn|{identifier}";

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Entry(null, Patient(identifier: identifier, family: "Updated"), "PUT", condition),
            Post(null, Patient(identifier: identifier, family: "Created"), ifNoneExist: condition)), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK"]);
        entries[1].TypeAndId().ShouldBe(entries[0].TypeAndId());
        (await Client.CountAsync(condition)).ShouldBe(1);
        (await Client.ReadAsync(entries[0].TypeAndId())).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Updated");
    }

    [Fact]
    public async Task Given_a_conditional_create_finding_a_stored_resource_another_entry_updates_When_posted_Then_it_answers_with_the_update()
    {
        var (identifier, id) = (Unique("mrn"), Unique("p"));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, identifier)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Put(null, Patient(id, identifier, "Changed")),
            Post(null, Patient(identifier: identifier), ifNoneExist: $"identifier=urn:test:mrn|{identifier}")), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["200 OK", "200 OK"]);
        entries[1].TypeAndId().ShouldBe($"Patient/{id}");
        entries[1].GetProperty("response").GetProperty("etag").GetString().ShouldBe("W/\"2\"");
        entries[1].GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Changed");
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_a_conditional_create_whose_stored_match_another_entry_changes_away_When_posted_Then_it_creates()
    {
        var (identifier, id) = (Unique("mrn"), Unique("p"));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, identifier)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Put(null, Patient(id, Unique("other"))),
            Post(null, Patient(identifier: identifier, family: "New"), ifNoneExist: $"identifier=urn:test:mrn|{identifier}")), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["200 OK", "201 Created"]);
        entries[1].TypeAndId().ShouldNotBe($"Patient/{id}");
        (await Client.ReadAsync(entries[1].TypeAndId())).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("New");
    }

    [Fact]
    public async Task Given_deletes_When_committed_Then_the_resource_is_gone_and_a_missing_one_is_no_error()
    {
        var id = Unique("p");
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", Delete($"Patient/{id}"), Delete("Patient/never-was")), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["204 No Content", "204 No Content"]);
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Given_gets_after_writes_When_committed_Then_they_see_the_writes_of_the_transaction()
    {
        var id = Unique("p");

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Get($"Patient/{id}"),
            Get($"Patient?_id={id}"),
            Put(null, Patient(id))), "transaction-response");

        entries[0].Status().ShouldBe("200 OK");
        entries[0].GetProperty("resource").GetProperty("id").GetString().ShouldBe(id);
        entries[1].GetProperty("resource").GetProperty("type").GetString().ShouldBe("searchset");
        entries[1].GetProperty("resource").GetProperty("total").GetInt32().ShouldBe(1);
        entries[2].Status().ShouldBe("201 Created");
    }

    [Fact]
    public async Task Given_a_history_entry_with_a_bad_parameter_When_committed_Then_the_writes_stand_and_that_entry_says_why()
    {
        var id = Unique("p");

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", Put(null, Patient(id)), Get($"Patient/{id}/_history?nonsense=1")), "transaction-response");

        entries[0].Status().ShouldBe("201 Created");
        entries[1].Status().ShouldBe("400 Bad Request");
        entries[1].GetProperty("response").GetProperty("outcome").GetProperty("issue")[0].GetProperty("diagnostics").GetString()!.ShouldStartWith("Bundle.entry[1]");
        (await Client.ReadAsync($"Patient/{id}")).GetProperty("id").GetString().ShouldBe(id);
    }

    [Fact]
    public async Task Given_contained_resources_When_committed_Then_local_references_stay_and_their_own_references_are_rewritten()
    {
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var claim = $$$"""
            {"resourceType":"ExplanationOfBenefit","status":"active","use":"claim","created":"2020-01-01",
             "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},
             "contained":[{"resourceType":"Coverage","id":"coverage","status":"active","beneficiary":{"reference":"{{{patientUrn}}}"},"payor":[{"display":"Self"}]}],
             "patient":{"reference":"{{{patientUrn}}}"},"insurer":{"display":"Self"},"provider":{"display":"Clinic"},
             "outcome":"complete","insurance":[{"focal":true,"coverage":{"reference":"#coverage"}}]}
            """;

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", Post(patientUrn, Patient()), Post(null, claim)), "transaction-response");

        var patient = entries[0].TypeAndId();
        var stored = await Client.ReadAsync(entries[1].TypeAndId());
        stored.GetProperty("patient").GetProperty("reference").GetString().ShouldBe(patient);
        stored.GetProperty("insurance")[0].GetProperty("coverage").GetProperty("reference").GetString().ShouldBe("#coverage");
        stored.GetProperty("contained")[0].GetProperty("beneficiary").GetProperty("reference").GetString().ShouldBe(patient);
    }

    [Fact]
    public async Task Given_relative_references_under_absolute_fullUrls_When_committed_Then_they_resolve_to_the_entries()
    {
        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post("http://example.org/fhir/Patient/123", Patient()),
            Post("http://example.org/fhir/Observation/9", Observation("Patient/123"))), "transaction-response");

        var patient = entries[0].TypeAndId();
        patient.ShouldNotBe("Patient/123");
        (await Client.ReadAsync(entries[1].TypeAndId())).GetProperty("subject").GetProperty("reference").GetString().ShouldBe(patient);
    }

    [Theory]
    [InlineData("return=minimal", false, false)]
    [InlineData("return=representation", true, false)]
    [InlineData("return=OperationOutcome", false, true)]
    public async Task Given_a_return_preference_When_committed_Then_entries_carry_what_it_asks_for(string prefer, bool resource, bool outcome)
    {
        var entries = await Client.PostBundleOkAsync(Bundle("transaction", Post(null, Patient())), "transaction-response", prefer);

        entries[0].Status().ShouldBe("201 Created");
        entries[0].TryGetProperty("resource", out _).ShouldBe(resource);
        entries[0].GetProperty("response").TryGetProperty("outcome", out var issued).ShouldBe(outcome);
        if (outcome)
        {
            issued.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        }
    }

    [Fact]
    public async Task Given_more_entries_than_allowed_When_posted_Then_413()
    {
        var entries = Enumerable.Repeat(Get("Patient/x"), 10_001).ToArray();

        var response = await Client.PostBundleAsync(Bundle("transaction", entries));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.OutcomeCodeAsync()).ShouldBe("too-long");
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient"}""")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[]}""")]
    [InlineData("""{"resourceType":"Bundle","entry":[]}""")]
    [InlineData("""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"}}]}""")]
    [InlineData("""{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:not-a-uuid","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}""")]
    public async Task Given_a_body_that_is_no_batch_or_transaction_When_posted_Then_400(string body)
    {
        var response = await Client.PostBundleAsync(body);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await response.OutcomeCodeAsync();
    }

    [Fact]
    public async Task Given_an_empty_transaction_When_posted_Then_an_empty_response()
    {
        var entries = await Client.PostBundleOkAsync("""{"resourceType":"Bundle","type":"transaction"}""", "transaction-response");

        entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_a_transaction_in_xml_When_posted_Then_the_response_is_a_transaction_response()
    {
        const string xml = """
            <Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/>
              <entry><fullUrl value="urn:uuid:0b4e4d5c-5a3e-4c61-9b2e-3f1c2c1e0a01"/><resource><Patient><name><family value="Hopper"/></name></Patient></resource>
                <request><method value="POST"/><url value="Patient"/></request></entry>
              <entry><resource><Observation><status value="final"/><code><text value="x"/></code><subject><reference value="urn:uuid:0b4e4d5c-5a3e-4c61-9b2e-3f1c2c1e0a01"/></subject></Observation></resource>
                <request><method value="POST"/><url value="Observation"/></request></entry>
            </Bundle>
            """;

        var response = await Client.PostAsync("/fhir", FhirHttp.Json(xml, "application/fhir+xml"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.BodyAsync();
        body.GetProperty("type").GetString().ShouldBe("transaction-response");
        var observation = body.GetProperty("entry")[1];
        var patient = body.GetProperty("entry")[0].TypeAndId();
        observation.GetProperty("resource").GetProperty("subject").GetProperty("reference").GetString().ShouldBe(patient);
    }

    [Fact]
    public async Task Given_a_search_entry_with_a_bad_parameter_under_strict_handling_When_posted_Then_400_and_nothing_is_stored()
    {
        var before = await RowCountsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction", Post(null, Patient()), Get("Patient?nonsense=1")), "handling=strict");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await RowCountsAsync()).ShouldBe(before);
        var issue = (await response.BodyAsync()).GetProperty("issue")[0];
        issue.GetProperty("expression")[0].GetString()!.ShouldStartWith("Bundle.entry[1]");
    }
}
