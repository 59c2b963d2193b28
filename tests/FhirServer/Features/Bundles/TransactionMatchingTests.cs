using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>
/// Conditions inside a transaction (conditional references and <c>ifNoneExist</c>) see the resources
/// as the transaction leaves them: what its entries write, matched in memory by every parameter
/// type, and the stored resources it does not change.
/// </summary>
public sealed class TransactionMatchingTests(PlainFhirServerFixture server) : IClassFixture<PlainFhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static string Patient(string? id = null, string? identifier = null, string family = "Lovelace", string? birthDate = null) =>
        $$"""
        {"resourceType":"Patient"{{(id is null ? "" : $",\"id\":\"{id}\"")}}{{(identifier is null ? "" : $",\"identifier\":[{{\"system\":\"urn:test:mrn\",\"value\":\"{identifier}\"}}]")}},
         "name":[{"family":"{{family}}"}]{{(birthDate is null ? "" : $",\"birthDate\":\"{birthDate}\"")}}}
        """;

    private static string Observation(string subject, string code = "8867-4", string? hasMember = null) =>
        $$"""
        {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"{{code}}"}]},
         "subject":{"reference":"{{subject}}"}{{(hasMember is null ? "" : $",\"hasMember\":[{{\"reference\":\"{hasMember}\"}}]")}}}
        """;

    private static string Encounter(string subject, string? reason = null) =>
        $$"""
        {"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
         "subject":{"reference":"{{subject}}"}{{(reason is null ? "" : $",\"reasonReference\":[{{\"reference\":\"{reason}\"}}]")}}}
        """;

    private static string Urn() => $"urn:uuid:{Guid.NewGuid()}";

    private async Task<string> ReferenceAsync(string typeAndId, string element) =>
        (await Client.ReadAsync(typeAndId)).GetProperty(element).GetProperty("reference").GetString()!;

    private Task<long> VersionsAsync() => server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion");

    public static TheoryData<string, string> ConditionsOnOwnPatients => new()
    {
        { "string prefix, folded case", "family={family-lower}" },
        { "string :exact", "family:exact={family}" },
        { "string :contains", "name:contains={family-middle}" },
        { "date with precision", "birthdate=1911-11&family={family}" },
        { "date prefix", "birthdate=lt1911-11-12&family={family}" },
        { ":missing", "family={family}&identifier:missing=true" },
        { "token :not", "family={family}&gender:not=male" },
    };

    [Theory]
    [MemberData(nameof(ConditionsOnOwnPatients))]
    public async Task Given_a_conditional_reference_to_a_patient_the_transaction_creates_When_its_condition_is_not_a_token_Then_it_resolves_to_that_patient(string why, string condition)
    {
        var family = Unique("Fam");
        var query = condition.Replace("{family-lower}", family.ToLowerInvariant(), StringComparison.Ordinal)
            .Replace("{family-middle}", family[2..8], StringComparison.Ordinal)
            .Replace("{family}", family, StringComparison.Ordinal);

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Observation($"Patient?{query}")),
            Post(null, Patient(family: family, birthDate: "1911-11-11"))), "transaction-response");

        (await ReferenceAsync(entries[0].TypeAndId(), "subject")).ShouldBe(entries[1].TypeAndId(), why);
    }

    [Fact]
    public async Task Given_a_conditional_reference_on_a_reference_parameter_When_the_transaction_writes_the_match_with_a_fullUrl_reference_Then_it_resolves()
    {
        // Observation's patient parameter is stored as its subject restricted to Patients; the
        // Observation names its Patient by the Patient entry's fullUrl, rewritten before matching.
        var (patientId, patientUrn, code) = (Unique("p"), Urn(), Unique("c"));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Encounter(patientUrn, reason: $"Observation?patient=Patient/{patientId}&code={code}")),
            Post(null, Observation(patientUrn, code)),
            Put(patientUrn, Patient(patientId))), "transaction-response");

        var encounter = await Client.ReadAsync(entries[0].TypeAndId());
        encounter.GetProperty("reasonReference")[0].GetProperty("reference").GetString().ShouldBe(entries[1].TypeAndId());
        (await ReferenceAsync(entries[1].TypeAndId(), "subject")).ShouldBe($"Patient/{patientId}");
    }

    [Fact]
    public async Task Given_a_conditional_reference_matching_two_resources_the_transaction_creates_When_posted_Then_412_naming_both_and_nothing_is_stored()
    {
        var family = Unique("Twin");
        var before = await VersionsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(family: family)),
            Post(null, Patient(family: family)),
            Post(null, Observation($"Patient?family={family}"))));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        var diagnostics = (await response.BodyAsync()).GetProperty("issue")[0].GetProperty("diagnostics").GetString()!;
        diagnostics.ShouldContain("entry 0");
        diagnostics.ShouldContain("entry 1");
        (await VersionsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_conditional_reference_matching_a_stored_patient_and_one_the_transaction_creates_by_name_When_posted_Then_412()
    {
        var family = Unique("Both");
        (await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(family: family)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = await VersionsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(family: family)),
            Post(null, Observation($"Patient?family:exact={family}"))));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        (await VersionsAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("Patient?birthdate=not-a-date")]
    [InlineData("Patient?birthdate=xx1911")]
    [InlineData("Patient?nonsense=1")]
    [InlineData("Patient?_count=1")]
    public async Task Given_a_conditional_reference_with_a_bad_condition_When_posted_Then_400_and_nothing_is_stored(string reference)
    {
        var before = await VersionsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(family: Unique("Bad"), birthDate: "1911-11-11")),
            Post(null, Observation(reference))));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.BodyAsync()).GetProperty("issue")[0].GetProperty("expression")[0].GetString()!.ShouldStartWith("Bundle.entry[1]");
        (await VersionsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_stored_patient_the_transaction_changes_When_a_conditional_reference_names_it_Then_its_new_values_count_not_its_old()
    {
        var (id, old, fresh) = (Unique("p"), Unique("old"), Unique("new"));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, old)));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{fresh}")),
            Put(null, Patient(id, fresh))), "transaction-response");
        (await ReferenceAsync(entries[0].TypeAndId(), "subject")).ShouldBe($"Patient/{id}");

        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, old)));
        var stale = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{old}")),
            Put(null, Patient(id, Unique("newer")))));
        stale.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await stale.OutcomeCodeAsync()).ShouldBe("not-found");

        var deleted = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Observation($"Patient?identifier=urn:test:mrn|{old}")),
            Delete($"Patient/{id}")));
        deleted.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await deleted.OutcomeCodeAsync()).ShouldBe("not-found");
    }

    [Fact]
    public async Task Given_a_conditional_reference_on_a_reference_parameter_that_its_own_entry_could_match_When_posted_Then_400_naming_the_cycle()
    {
        var patientId = Unique("p");
        await Client.PutAsync($"/fhir/Patient/{patientId}", FhirHttp.Json(Patient(patientId)));

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Observation($"Patient/{patientId}", hasMember: $"Observation?subject=Patient/{patientId}"))));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBe("not-supported");
        (await response.Content.ReadAsStringAsync()).ShouldContain("cycle");
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_a_patient_another_entry_creates_by_name_and_birth_date_When_committed_Then_it_answers_with_that_patient()
    {
        var family = Unique("Same");
        var patientUrn = Urn();

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(Urn(), Patient(family: family, birthDate: "1911-11-11")),
            Post(patientUrn, Patient(family: family, birthDate: "1911-11-11"), ifNoneExist: $"family:exact={family}&birthdate=1911-11-11"),
            Post(null, Observation(patientUrn))), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK", "201 Created"]);
        entries[1].TypeAndId().ShouldBe(entries[0].TypeAndId());
        entries[1].GetProperty("resource").GetProperty("id").GetString().ShouldBe(entries[0].TypeAndId()["Patient/".Length..]);
        (await ReferenceAsync(entries[2].TypeAndId(), "subject")).ShouldBe(entries[0].TypeAndId());
        (await Client.CountAsync($"Patient?family:exact={family}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_what_a_patch_of_the_transaction_makes_When_committed_Then_it_answers_with_the_patched_version()
    {
        var (id, identifier) = (Unique("p"), Unique("mrn"));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));
        var patch = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $$"""[{"op":"add","path":"/identifier","value":[{"system":"urn:test:mrn","value":"{{identifier}}"}]}]"""));

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, Patient(identifier: identifier), ifNoneExist: $"identifier=urn:test:mrn|{identifier}"),
            Entry(null, $$"""{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{patch}}"}""", "PATCH", $"Patient/{id}")), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["200 OK", "200 OK"]);
        entries[0].TypeAndId().ShouldBe($"Patient/{id}");
        entries[0].GetProperty("response").GetProperty("etag").GetString().ShouldBe("W/\"2\"");
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_two_resources_the_transaction_writes_When_posted_Then_412_and_nothing_is_stored()
    {
        var family = Unique("Two");
        var before = await VersionsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(family: family)),
            Put(null, Patient(Unique("p"), family: family)),
            Post(null, Patient(family: family), ifNoneExist: $"family={family}")));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        (await VersionsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_ifNoneExist_matching_a_stored_resource_and_another_the_transaction_writes_When_posted_Then_412_and_nothing_is_stored()
    {
        var identifier = Unique("mrn");
        (await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier: identifier)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = await VersionsAsync();

        var response = await Client.PostBundleAsync(Bundle("transaction",
            Post(null, Patient(identifier: identifier, family: "Written")),
            Post(null, Patient(identifier: identifier), ifNoneExist: $"identifier={identifier}")));

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        (await VersionsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_conditional_creates_with_different_conditions_When_a_later_one_matches_what_an_earlier_one_creates_Then_it_finds_it()
    {
        var (first, second) = (Unique("mrn"), Unique("mrn"));
        var both = $$"""{"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"{{first}}"},{"system":"urn:test:mrn","value":"{{second}}"}]}""";

        var entries = await Client.PostBundleOkAsync(Bundle("transaction",
            Post(null, both, ifNoneExist: $"identifier=urn:test:mrn|{first}"),
            Post(null, Patient(identifier: second), ifNoneExist: $"identifier=urn:test:mrn|{second}")), "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK"]);
        entries[1].TypeAndId().ShouldBe(entries[0].TypeAndId());
    }

    [Fact]
    public async Task Given_ifNoneExist_on_a_reference_parameter_When_a_candidate_refers_to_a_conditional_create_settled_later_Then_400_and_when_settled_before_it_resolves()
    {
        var (patientUrn, identifier) = (Urn(), Unique("mrn"));
        string PatientEntry() => Post(patientUrn, Patient(identifier: identifier), ifNoneExist: $"identifier=urn:test:mrn|{identifier}");
        var encounterByReference = Post(null, Encounter("Patient/nobody"), ifNoneExist: "subject=Patient/nobody");
        var candidate = Post(null, Encounter(patientUrn));

        var refused = await Client.PostBundleAsync(Bundle("transaction", encounterByReference, PatientEntry(), candidate));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.OutcomeCodeAsync()).ShouldBe("not-supported");

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", PatientEntry(), encounterByReference, candidate), "transaction-response");
        entries.Select(e => e.Status()).ShouldBe(["201 Created", "201 Created", "201 Created"]);
        (await ReferenceAsync(entries[2].TypeAndId(), "subject")).ShouldBe(entries[0].TypeAndId());
    }
}
