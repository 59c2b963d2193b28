using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Search;

/// <summary>
/// The in-memory matcher (which a transaction uses for the resources it writes, before they are in
/// the database) and the SQL search decide alike: every condition below runs through
/// <c>GET [type]?condition</c> against the stored resources and through <see cref="SearchMatcher"/>
/// against the same resources' search values, and both must find the same resources (or both refuse
/// the condition with 400). The expected ids keep either side from agreeing on nothing.
/// </summary>
public sealed class SearchMatcherTests(SearchMatcherTests.Data data) : IClassFixture<SearchMatcherTests.Data>
{
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.Create(ResourceRegistry.Default.ResourceTypes, protectSections: false);

    private static readonly string[] Patients = ["p1", "p2", "p3", "p4"];

    private static readonly string[] Observations = ["o1", "o2", "o3", "o4"];

    /// <summary>(type, query, expected ids; null: refused with 400).</summary>
    public static TheoryData<string, string, string[]?> Conditions => new()
    {
        // Tokens: system|code, |code, system|, any system, escapes, :not, :missing, _id.
        { "Patient", "identifier=A1", ["p1", "p2"] },
        { "Patient", "identifier=urn:test:mrn|A1", ["p1"] },
        { "Patient", "identifier=|B2", ["p1"] },
        { "Patient", "identifier=urn:test:mrn|", ["p1", "p2", "p4"] },
        { "Patient", @"identifier=urn:test:mrn|x\|y", ["p4"] },
        { "Patient", @"identifier=c\,d", ["p4"] },
        { "Patient", "identifier:not=urn:test:mrn|A1", ["p2", "p3", "p4"] },
        { "Patient", "identifier:missing=true", ["p3"] },
        { "Patient", "identifier:missing=false", ["p1", "p2", "p4"] },
        { "Patient", "gender=female,male", ["p1", "p2", "p4"] },
        { "Patient", "gender:not=female", ["p2", "p3"] },
        { "Patient", "active=true", ["p1"] },
        { "Patient", "active=false", ["p2"] },
        { "Patient", "telecom=555-0100", ["p1"] },
        { "Patient", "_id=p1,p3", ["p1", "p3"] },
        { "Patient", "_id:not=p1", ["p2", "p3", "p4"] },
        { "Patient", "_id:missing=true", Patients },
        { "Patient", "gender:missing=maybe", null },
        { "Observation", "code=http://loinc.org|8480-6", ["o2"] },
        { "Observation", "combo-code=http://loinc.org|8480-6", ["o1", "o2"] },
        { "Observation", "component-code=8480-6", ["o1"] },
        { "Observation", "code=|abc", ["o3"] },
        { "Observation", "code=abc", ["o3"] },
        { "Observation", "category:missing=true", ["o2", "o3", "o4"] },

        // References: Type/id, id, :Type, absolute URLs, versions, storage shared with another parameter.
        { "Observation", "subject=Patient/p1", ["o1"] },
        { "Observation", "subject=p1", ["o1"] },
        { "Observation", "subject:Patient=p1", ["o1"] },
        { "Observation", "subject:Group=p1", [] },
        { "Observation", "subject=Group/g1", ["o2"] },
        { "Observation", "subject=g1", ["o2"] },
        { "Observation", "subject=http://other.example/fhir/Patient/p1", ["o1"] },
        { "Observation", "subject=Patient/p1/_history/2", ["o1"] },
        { "Observation", "patient=Patient/p2", ["o3"] },
        { "Observation", "patient=g1", [] },
        { "Observation", "patient:missing=true", ["o2", "o4"] },
        { "Observation", "subject:missing=true", ["o4"] },
        { "Observation", "encounter=Encounter/e1", ["o1"] },
        { "Observation", "performer=dr1", ["o1"] },
        { "Observation", "subject=not a reference", null },
        { "Patient", "general-practitioner=Practitioner/dr2", ["p2"] },
        { "Patient", "organization=Organization/org1", ["p1"] },
        { "Patient", "link=Patient/p1", ["p3"] },
        { "Encounter", "patient=p1", ["e1"] },
        { "Encounter", "subject=Patient/p1", ["e1"] },

        // Dates: every prefix, precisions from a year to a millisecond, time zones, open periods.
        { "Patient", "birthdate=1980", ["p1", "p2"] },
        { "Patient", "birthdate=1980-05-17", ["p1"] },
        { "Patient", "birthdate=ne1980-05", ["p3", "p4"] },
        { "Patient", "birthdate=lt1980-05-17", ["p2", "p3"] },
        { "Patient", "birthdate=le1980-05-17", ["p1", "p2", "p3"] },
        { "Patient", "birthdate=gt1980-05", ["p4"] },
        { "Patient", "birthdate=ge1980-05-17", ["p1", "p2", "p4"] },
        { "Patient", "birthdate=sa1979", ["p1", "p2", "p4"] },
        { "Patient", "birthdate=eb1980-06", ["p1", "p2", "p3"] },
        { "Patient", "birthdate=ap1980-05-17", ["p1", "p2"] },
        { "Patient", "birthdate=xx1980", null },
        { "Patient", "birthdate=eq", null },
        { "Patient", "birthdate=not-a-date", null },
        { "Patient", "death-date=2020-02-29", ["p4"] },
        { "Patient", "death-date=2020-02-29T08:30:00Z", ["p4"] },
        { "Patient", "death-date=2020-02-29T10:30+02:00", ["p4"] },
        { "Patient", "death-date=2020-02-29T08:31Z", [] },
        { "Patient", "death-date:missing=false", ["p4"] },
        { "Observation", "date=2021-03-04", ["o1", "o4"] },
        { "Observation", "date=ge2021-03-02", ["o1", "o2", "o4"] },
        { "Observation", "date=lt2021", [] },
        { "Observation", "date=lt2021-01-02", ["o3"] },
        { "Observation", "date=gt2021-03-04T10:00:00Z", ["o2"] },
        { "Observation", "date=ap2021-03-04T10:00:00.250Z", ["o1", "o2", "o4"] },
        { "Observation", "date=eb2021-01-01T05:00:01Z", ["o3"] },
        { "Observation", "date=sa2020-12-31T23:59Z", Observations },
        { "Observation", "date=ne2021", ["o2"] },
        { "Encounter", "date=2021-03-04T10:00Z", [] },
        { "Encounter", "date=ap2021-03-04T10:00Z", ["e1"] },
        { "Patient", "_lastUpdated=gt2020", Patients },
        { "Patient", "_lastUpdated=lt2020", [] },

        // Strings: prefix, :exact, :contains, case and accents folded, LIKE's wildcards taken literally.
        { "Patient", "name=dup", ["p1", "p2", "p4"] },
        { "Patient", "name=elo", ["p1", "p2"] },
        { "Patient", "name=ÉLO", ["p1", "p2"] },
        { "Patient", "name:exact=Dupont", ["p1"] },
        { "Patient", "name:exact=DUPONT", ["p2"] },
        { "Patient", "name:contains=bri", ["p3"] },
        { "Patient", "name:contains=zoë", ["p3"] },
        { "Patient", "name:contains=zoe", ["p3"] },
        { "Patient", "name:contains=ZOË", ["p3"] },
        { "Patient", "name:contains=SMITH", ["p4"] },
        { "Patient", "name=dupont,zoë", Patients },
        { "Patient", "family=o'b", ["p3"] },
        { "Patient", "given:exact=Élodie", ["p1"] },
        { "Patient", "given=a_", ["p4"] },
        { "Patient", "name:contains=_b%", ["p4"] },
        { "Patient", "address-city=montréal", ["p1"] },
        { "Patient", "address-city=MONTREAL", ["p1"] },
        { "Patient", "given:exact=Elodie", [] },
        { "Patient", "address=1 rue", ["p1"] },
        { "Patient", "address=saint", [] },
        { "Patient", "address:contains=denis", ["p1"] },
        { "Patient", "address:missing=true", ["p2", "p3", "p4"] },
        { "Observation", "value-string=ÉLEV", ["o4"] },

        // Conditions together (AND).
        { "Patient", "name=dup&birthdate=1980", ["p1", "p2"] },
        { "Patient", "gender:not=female&active:missing=true", ["p3"] },
        { "Observation", "subject=Patient/p1&code=8867-4", ["o1"] },
        { "Observation", "patient=p1&date=2021", ["o1"] },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public async Task Given_stored_resources_When_a_condition_is_searched_and_matched_in_memory_Then_both_find_the_same(string type, string query, string[]? expected)
    {
        var (status, stored) = await data.SearchAsync(type, query);
        var (refused, matched) = data.MatchInMemory(type, query);

        if (expected is null)
        {
            status.ShouldBe(HttpStatusCode.BadRequest);
            refused.ShouldBeTrue("the matcher accepted what the SQL search refuses");
            return;
        }

        status.ShouldBe(HttpStatusCode.OK);
        refused.ShouldBeFalse();
        stored.ShouldBe(expected, ignoreOrder: true);
        matched.ShouldBe(stored, ignoreOrder: true);
    }

    [Theory]
    [InlineData("eq")]
    [InlineData("ne")]
    [InlineData("lt")]
    [InlineData("le")]
    [InlineData("gt")]
    [InlineData("ge")]
    [InlineData("sa")]
    [InlineData("eb")]
    [InlineData("ap")]
    public async Task Given_the_instant_a_resource_was_written_When_lastUpdated_is_compared_Then_both_find_the_same(string prefix)
    {
        // To the millisecond, the precision the server stamps with; which resources share it depends on the run.
        var query = $"_lastUpdated={prefix}{data.LastUpdated["p3"]:yyyy-MM-ddTHH:mm:ss.fff}Z";

        var (status, stored) = await data.SearchAsync("Patient", query);
        var (refused, matched) = data.MatchInMemory("Patient", query);

        status.ShouldBe(HttpStatusCode.OK);
        refused.ShouldBeFalse();
        matched.ShouldBe(stored, ignoreOrder: true);
    }

    /// <summary>The resources, stored once through the API, and what the server made of them.</summary>
    public sealed class Data : FhirServerFixture
    {
        private static readonly string[] Resources =
        [
            """
            {"resourceType":"Patient","id":"p1","active":true,
             "identifier":[{"system":"urn:test:mrn","value":"A1"},{"value":"B2"}],
             "name":[{"family":"Dupont","given":["Élodie","Marie"]}],"telecom":[{"system":"phone","value":"555-0100"}],
             "gender":"female","birthDate":"1980-05-17",
             "address":[{"line":["1 Rue Saint-Denis"],"city":"Montréal","postalCode":"H2X"}],
             "generalPractitioner":[{"reference":"Practitioner/dr1"}],"managingOrganization":{"reference":"http://example.org/fhir/Organization/org1"}}
            """,
            """
            {"resourceType":"Patient","id":"p2","active":false,
             "identifier":[{"system":"urn:test:mrn","value":"A2"},{"system":"urn:other","value":"A1"}],
             "name":[{"family":"DUPONT","given":["elodie"]}],"gender":"male","birthDate":"1980-05",
             "generalPractitioner":[{"reference":"Practitioner/dr2/_history/3"}]}
            """,
            """
            {"resourceType":"Patient","id":"p3","name":[{"text":"Zoë O'Brien","family":"O'Brien","given":["Axb"]}],"birthDate":"1975",
             "link":[{"other":{"reference":"Patient/p1"},"type":"seealso"}]}
            """,
            """
            {"resourceType":"Patient","id":"p4",
             "identifier":[{"system":"urn:test:mrn","value":"x|y"},{"system":"urn:test:mrn","value":"c,d"}],
             "name":[{"family":"Dupont-Smith","given":["A_b%c"]}],"gender":"female","birthDate":"2000-01-01",
             "deceasedDateTime":"2020-02-29T10:30:00+02:00"}
            """,
            """
            {"resourceType":"Observation","id":"o1","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/p1"},
             "encounter":{"reference":"Encounter/e1"},"effectiveDateTime":"2021-03-04T10:00:00Z","performer":[{"reference":"Practitioner/dr1"}],
             "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}}]}
            """,
            """
            {"resourceType":"Observation","id":"o2","status":"preliminary","code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
             "subject":{"reference":"Group/g1"},"effectivePeriod":{"start":"2021-03-01"}}
            """,
            """
            {"resourceType":"Observation","id":"o3","status":"final","code":{"coding":[{"code":"abc"}]},
             "subject":{"reference":"http://example.org/fhir/Patient/p2"},
             "effectivePeriod":{"start":"2020-12-31T23:00:00-02:00","end":"2021-01-01T05:00:00Z"}}
            """,
            """
            {"resourceType":"Observation","id":"o4","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},
             "effectiveDateTime":"2021-03-04T10:00:00.250Z","valueString":"Élevé"}
            """,
            """
            {"resourceType":"Encounter","id":"e1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
             "subject":{"reference":"Patient/p1"},"period":{"start":"2021-03-04T09:00:00Z","end":"2021-03-04T11:00:00Z"}}
            """,
        ];

        private readonly SearchIndexer _indexer = new(Registry);
        private readonly SearchRequestParser _parser = new(Registry);
        private readonly List<Resource> _stored = [];

        public Dictionary<string, DateTime> LastUpdated { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var json = new FhirJsonDeserializer();
            foreach (var text in Resources)
            {
                var resource = json.DeserializeResource(text);
                var response = await Client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(text));
                ((int)response.StatusCode).ShouldBe(201, await response.Content.ReadAsStringAsync());
                var stored = json.DeserializeResource(await response.Content.ReadAsStringAsync());
                _stored.Add(stored);
                LastUpdated[stored.Id!] = stored.Meta!.LastUpdated!.Value.UtcDateTime;
            }
        }

        /// <summary>The ids a search of the database finds, or its status when it refuses.</summary>
        public async Task<(HttpStatusCode Status, List<string> Ids)> SearchAsync(string type, string query)
        {
            var url = $"/fhir/{type}?{string.Join("&", Pairs(query).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"))}&_count=1000";
            var response = await Client.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, []);
            }

            var bundle = await response.BodyAsync();
            var ids = bundle.TryGetProperty("entry", out var entries)
                ? entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).ToList()
                : [];
            return (HttpStatusCode.OK, ids);
        }

        /// <summary>The ids the matcher finds among the same resources, or whether it refuses the condition (400).</summary>
        public (bool Refused, List<string> Ids) MatchInMemory(string type, string query)
        {
            SearchMatcher matcher;
            try
            {
                matcher = new SearchMatcher(_parser.Parse(type, Pairs(query), strict: true));
            }
            catch (FhirException refused) when (refused.StatusCode == (int)HttpStatusCode.BadRequest)
            {
                return (true, []);
            }

            return (false, _stored
                .Where(r => r.TypeName == type && matcher.Matches(r.Id!, LastUpdated[r.Id!], _indexer.Extract(r)))
                .Select(r => r.Id!)
                .ToList());
        }

        private static List<KeyValuePair<string, string>> Pairs(string query) =>
            query.Split('&').Select(pair => pair.Split('=', 2)).Select(parts => new KeyValuePair<string, string>(parts[0], parts[1])).ToList();
    }
}
