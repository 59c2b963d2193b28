using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Features.Protection;

/// <summary>
/// Values planted in protected elements never reach the cloud: not its database (pg_dump), not
/// PostgreSQL's log with every statement logged, not the server's log with debug logging and SQL
/// parameter logging on; in no encoding (raw, base64 at each of the three alignments, hex,
/// UTF-16). The scenario writes sealed resources on every write path, and also tries to write
/// protected values in clear, which must be refused without the value being logged.
/// </summary>
public sealed class CanaryTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] Canaries = ["Canary-Marzipan-Okapi-8842", "Canary-Quasar-Lutefisk-1193", "Canary-Wombat-Zeppelin-5071"];

    private readonly LogCapture _logs = new();
    private readonly FhirJsonSerializer _json = new();
    private TestDatabase _database = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;
    private long _postgresLogStart;

    public async System.Threading.Tasks.Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("canary");
        await using (var admin = new Npgsql.NpgsqlConnection(TestPostgres.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"ALTER DATABASE \"{_database.Name}\" SET log_statement = 'all'", admin);
            await command.ExecuteNonQueryAsync();
        }

        _postgresLogStart = PostgresLog is { } log && File.Exists(log) ? new FileInfo(log).Length : 0;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", _database.ConnectionString);
            builder.UseSetting("Fhir:ProtectedSections", "true");
            builder.UseSetting("Fhir:Auth:Required", "false");
            builder.UseSetting("Fhir:Access:ConsentCheck", "false");
            builder.UseSetting("Fhir:LogSqlParameters", "true");
            builder.UseSetting("Logging:LogLevel:Default", "Trace");
            builder.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)));
        });
        _client = _factory.CreateClient();
        for (var i = 0; i < 300 && !(await _client.GetAsync("/healthz")).IsSuccessStatusCode; i++)
        {
            await System.Threading.Tasks.Task.Delay(100);
        }
    }

    public async System.Threading.Tasks.Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    public void Dispose() => _logs.Dispose();

    private static string? PostgresLog => Environment.GetEnvironmentVariable("SESPHR_TEST_PG_LOG");

    [Fact]
    public async System.Threading.Tasks.Task Given_a_full_scenario_Then_no_planted_value_is_in_the_database_dump_the_postgres_log_or_the_server_log()
    {
        await RunScenarioAsync();

        var dump = Encoding.UTF8.GetBytes(await PostgresTools.DumpAsync(_database.Name));
        var serverLog = Encoding.UTF8.GetBytes(string.Join('\n', _logs.Lines));
        var postgresLog = await ReadPostgresLogAsync();

        // The test can fail: the scenario did reach the database and both logs.
        Encoding.UTF8.GetString(dump).ShouldContain("encrypted-section");
        _logs.Lines.ShouldContain(line => line.Contains("Npgsql", StringComparison.Ordinal));
        Encoding.UTF8.GetString(postgresLog).ShouldContain("mt_doc_storedresource");
        foreach (var canary in Canaries)
        {
            foreach (var (encoding, pattern) in Forms(canary))
            {
                Contains(dump, pattern).ShouldBeFalse($"{canary} as {encoding} in pg_dump");
                Contains(serverLog, pattern).ShouldBeFalse($"{canary} as {encoding} in the server log");
                Contains(postgresLog, pattern).ShouldBeFalse($"{canary} as {encoding} in PostgreSQL's log");
            }
        }
    }

    [Fact]
    public void Given_the_encodings_checked_Then_each_finds_a_value_written_in_it()
    {
        // Guards the guard: every form must find the canary when it is really there.
        foreach (var (encoding, pattern) in Forms(Canaries[0]))
        {
            var haystack = encoding switch
            {
                "utf-16" => Encoding.Unicode.GetBytes("xx" + Canaries[0] + "yy"),
                "hex" => Encoding.ASCII.GetBytes("xx" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Canaries[0])) + "yy"),
                "HEX" => Encoding.ASCII.GetBytes("xx" + Convert.ToHexString(Encoding.UTF8.GetBytes(Canaries[0])) + "yy"),
                var base64 when base64.StartsWith("base64", StringComparison.Ordinal) =>
                    Encoding.ASCII.GetBytes(Convert.ToBase64String([.. new byte[base64[^1] - '0'], .. Encoding.UTF8.GetBytes(Canaries[0]), 1, 2, 3])),
                _ => Encoding.UTF8.GetBytes("xx" + Canaries[0] + "yy"),
            };
            Contains(haystack, pattern).ShouldBeTrue(encoding);
        }
    }

    private async System.Threading.Tasks.Task RunScenarioAsync()
    {
        using var keys = SectionKeys.FromMasterSecret(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var writer = new Signer(SecretKey.Random());
        Resource Seal(Resource resource) => SectionSealer.Seal(resource, s => new SectionKey(1, keys.PublicKey(s.ToCode(), 1)), writer);

        var patientId = Guid.NewGuid().ToString();
        var patient = new Patient
        {
            Id = patientId,
            Name = [new HumanName { Family = Canaries[0], Given = [Canaries[1]] }],
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, null, Canaries[2] + "@example.org")],
            Address = [new Address { Line = [Canaries[1]], City = Canaries[2] }],
            BirthDate = "1961-02-03",
        };
        (await Put(Seal(patient))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var observation = new Observation
        {
            Id = Guid.NewGuid().ToString(),
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
            Code = new CodeableConcept("http://example.org/tests", Canaries[0], Canaries[1]),
            Subject = new ResourceReference($"Patient/{patientId}"),
            Effective = new FhirDateTime("2023-03-04"),
            Value = new FhirString(Canaries[2]),
            Note = [new Annotation { Text = new Markdown(Canaries[0]) }],
        };
        (await Put(Seal(observation))).StatusCode.ShouldBe(HttpStatusCode.Created);
        observation.Status = ObservationStatus.Amended;
        (await Put(Seal(observation))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var condition = new Condition
        {
            Id = Guid.NewGuid().ToString(),
            Subject = new ResourceReference($"Patient/{patientId}"),
            Code = new CodeableConcept("http://snomed.info/sct", "44054006", Canaries[1]),
            Note = [new Annotation { Text = new Markdown(Canaries[2]) }],
        };
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    Resource = Seal(condition),
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Condition/{condition.Id}" },
                },
            ],
        };
        var bundleResponse = await _client.PostAsync("/fhir", FhirHttp.Json(_json.SerializeToString(transaction)));
        bundleResponse.StatusCode.ShouldBe(HttpStatusCode.OK, await bundleResponse.Content.ReadAsStringAsync());

        // Protected values sent in clear are refused, on every write path, and must not be logged either.
        var clearPatient = new Patient { Id = Guid.NewGuid().ToString(), Name = [new HumanName { Family = Canaries[0] }] };
        (await Put(clearPatient)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await _client.PostAsync("/fhir/Patient", FhirHttp.Json(_json.SerializeToString(clearPatient)))).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var clearTransaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry = [new Bundle.EntryComponent { Resource = clearPatient, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{clearPatient.Id}" } }],
        };
        ((int)(await _client.PostAsync("/fhir", FhirHttp.Json(_json.SerializeToString(clearTransaction)))).StatusCode).ShouldBeInRange(400, 499);
        var malformed = await _client.PostAsync("/fhir/Patient", FhirHttp.Json("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + Canaries[1] + "\"}],\"birthDate\":\"" + Canaries[2] + "\"}"));
        ((int)malformed.StatusCode).ShouldBeInRange(400, 499);
        // The error names the element, never the value it refused.
        var refusal = await malformed.Content.ReadAsStringAsync();
        refusal.ShouldContain("birthDate");
        refusal.ShouldNotContain(Canaries[2]);

        // Reads on every path.
        (await _client.GetAsync($"/fhir/Patient/{patientId}")).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/fhir/Observation?subject=Patient/{patientId}&_include=Observation:subject")).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/fhir/Observation/{observation.Id}/_history")).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/fhir/Patient/{patientId}/$everything")).EnsureSuccessStatusCode();
        (await _client.GetAsync($"/fhir/Patient?name={Canaries[0]}")).EnsureSuccessStatusCode();
    }

    private Task<HttpResponseMessage> Put(Resource resource) =>
        _client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(_json.SerializeToString(resource)));

    private async Task<byte[]> ReadPostgresLogAsync()
    {
        var path = PostgresLog ?? throw new InvalidOperationException("SESPHR_TEST_PG_LOG is not set: run the tests with ./sesphr test.");
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(_postgresLogStart, SeekOrigin.Begin);
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>The byte patterns of a value in every encoding a leak could take.</summary>
    private static IEnumerable<(string Encoding, byte[] Pattern)> Forms(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        yield return ("utf-8", utf8);
        yield return ("utf-16", Encoding.Unicode.GetBytes(value));
        yield return ("hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(utf8)));
        yield return ("HEX", Encoding.ASCII.GetBytes(Convert.ToHexString(utf8)));
        for (var offset = 0; offset < 3; offset++)
        {
            // Base64 of the value preceded by 0, 1 or 2 other bytes: only the characters that
            // depend on the value alone are searched for.
            var encoded = Convert.ToBase64String([.. new byte[offset], .. utf8]);
            var start = offset == 0 ? 0 : 4;
            var end = encoded.Length - 4;
            yield return ($"base64+{offset}", Encoding.ASCII.GetBytes(encoded[start..end]));
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
