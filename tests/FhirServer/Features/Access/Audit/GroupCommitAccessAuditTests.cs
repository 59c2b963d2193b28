using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Features.Access.Audit;

/// <summary>The FhirServer in process with its audit writer, on a database of its own.</summary>
public sealed class AuditServerFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public WebApplicationFactory<Program> Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public GroupCommitAccessAudit Audit => Factory.Services.GetRequiredService<GroupCommitAccessAudit>();

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("audit");
        (Factory, Client) = await StartAsync(Database);
    }

    /// <summary>A server on <paramref name="database"/>, once it answers healthy (schema applied).</summary>
    public static async Task<(WebApplicationFactory<Program> Factory, HttpClient Client)> StartAsync(TestDatabase database)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", database.ConnectionString);
            builder.UseSetting("Fhir:ProtectedSections", "true");
            // The audit writer is under test, not the callers: the plain access configuration.
            builder.UseSetting("Fhir:Auth:Required", "false");
            builder.UseSetting("Fhir:Access:ConsentCheck", "false");
        });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
            {
                return (factory, client);
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The FhirServer did not become healthy within 30 s.");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// Durable group-commit audit against the real database: what a patient sees when they list who
/// accessed their record, and what survives a failure or a stop.
/// </summary>
public sealed class GroupCommitAccessAuditTests(AuditServerFixture server) : IClassFixture<AuditServerFixture>
{
    private const string AuditRows = Storage.AuditEventTable.Name;

    private static AccessRecord Read(string patient, string resource = "Observation/o1", string caller = "3f0c0000-0000-0000-0000-00000000d0c1") => new(
        new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), caller, "practitioner", "Practitioner/doc",
        patient, resource, 3, "vitals", "read", AccessOutcome.Success, "req-1");

    private static string NewPatient() => $"Patient/p{Guid.NewGuid():N}";

    private async Task<JsonNode> SearchAsync(string query)
    {
        var response = await server.Client.GetAsync($"/fhir/AuditEvent?{query}");
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonNode.Parse(text)!;
    }

    private Task<long> CountAsync(string patient) =>
        server.Database.ScalarAsync<long>($"SELECT count(*) FROM {AuditRows} WHERE patient = '{patient}'");

    [Fact]
    public async Task Given_a_recorded_read_When_the_patient_searches_AuditEvent_by_patient_Then_it_is_there_at_once_and_tells_who_what_and_how()
    {
        var patient = NewPatient();
        var other = NewPatient();

        await server.Audit.RecordAsync([Read(patient), Read(other, "Condition/c9")], CancellationToken.None);

        var bundle = await SearchAsync($"patient={patient}");
        bundle["total"]!.GetValue<int>().ShouldBe(1);
        var audit = bundle["entry"]![0]!["resource"]!;
        audit["type"]!["code"]!.GetValue<string>().ShouldBe("rest");
        audit["subtype"]![0]!["system"]!.GetValue<string>().ShouldBe("http://hl7.org/fhir/restful-interaction");
        audit["subtype"]![0]!["code"]!.GetValue<string>().ShouldBe("read");
        audit["action"]!.GetValue<string>().ShouldBe("R");
        audit["outcome"]!.GetValue<string>().ShouldBe("0");
        audit["recorded"]!.GetValue<string>().ShouldStartWith("2026-03-01T12:00:00");
        var agent = audit["agent"]![0]!;
        agent["who"]!["reference"]!.GetValue<string>().ShouldBe("Practitioner/doc");
        agent["who"]!["identifier"]!["value"]!.GetValue<string>().ShouldBe("3f0c0000-0000-0000-0000-00000000d0c1");
        agent["requestor"]!.GetValue<bool>().ShouldBeTrue();
        agent["role"]![0]!["coding"]![0]!["code"]!.GetValue<string>().ShouldBe("practitioner");
        audit["source"]!["observer"]!["identifier"]!["value"]!.GetValue<string>().ShouldBe("sesphr-fhirserver");
        audit["entity"]![0]!["what"]!["reference"]!.GetValue<string>().ShouldBe("Observation/o1/_history/3");
        audit["entity"]![0]!["securityLabel"]![0]!["code"]!.GetValue<string>().ShouldBe("vitals");
        audit["entity"]![1]!["what"]!["reference"]!.GetValue<string>().ShouldBe(patient);
        audit["entity"]![1]!["role"]!["code"]!.GetValue<string>().ShouldBe("1");
        audit["entity"]![2]!["what"]!["identifier"]!["value"]!.GetValue<string>().ShouldBe("req-1");
        // The other patient's resource, read in the same request, is in the other patient's event only.
        audit["entity"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Given_records_of_each_action_When_searched_by_action_and_outcome_Then_the_codes_follow_the_basic_audit_log_patterns()
    {
        var patient = NewPatient();
        var actions = new[] { "read", "vread", "search", "history", "everything", "create", "update", "patch", "delete" };

        await server.Audit.RecordAsync([.. actions.Select(action => Read(patient) with { Action = action, Outcome = action == "delete" ? AccessOutcome.Denied : AccessOutcome.Success })], CancellationToken.None);

        var bundle = await SearchAsync($"patient={patient}&_count=50");
        var seen = bundle["entry"]!.AsArray()
            .Select(entry => entry!["resource"]!)
            .Select(audit => $"{audit["subtype"]![0]!["code"]}:{audit["action"]}:{audit["outcome"]}")
            .Order(StringComparer.Ordinal)
            .ToList();
        seen.ShouldBe(new[]
        {
            "create:C:0", "delete:D:4", "history-instance:R:0", "operation:E:0", "patch:U:0", "read:R:0", "search-type:E:0", "update:U:0", "vread:R:0",
        }.Order(StringComparer.Ordinal));
        (await SearchAsync($"patient={patient}&action=E")).AsObject()["total"]!.GetValue<int>().ShouldBe(2);
        (await SearchAsync($"patient={patient}&outcome=4")).AsObject()["total"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Given_64_concurrent_requests_When_each_records_its_access_Then_all_are_stored_in_far_fewer_transactions()
    {
        var patient = NewPatient();
        var before = server.Audit.Transactions;
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await server.Audit.RecordAsync([Read(patient, $"Observation/o{i}"), Read(patient, $"Condition/c{i}")], CancellationToken.None);
        })).ToList();
        start.Set();
        await Task.WhenAll(calls);

        // One AuditEvent per request, naming both resources it read.
        (await CountAsync(patient)).ShouldBe(64);
        (await server.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM {AuditRows}, jsonb_array_elements(json::jsonb->'entity') e WHERE patient = '{patient}' AND e->'role'->>'code' = '4'"))
            .ShouldBe(128);
        var transactions = server.Audit.Transactions - before;
        transactions.ShouldBeLessThanOrEqualTo(16);
        // The database's own view: rows inserted by one transaction share its xmin.
        var distinct = await server.Database.ScalarAsync<long>(
            $"SELECT count(DISTINCT xmin::text) FROM {AuditRows} WHERE patient = '{patient}'");
        distinct.ShouldBeLessThanOrEqualTo(transactions);
        distinct.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Given_a_small_batch_cap_When_64_requests_record_at_once_Then_no_transaction_holds_more_than_the_cap()
    {
        var patient = NewPatient();
        using var writer = await StartWriterAsync(maxBatch: 4);

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => writer.RecordAsync([Read(patient, $"Observation/o{i}")], CancellationToken.None)));
        await writer.StopAsync(CancellationToken.None);

        writer.RecordsWritten.ShouldBe(64);
        writer.Transactions.ShouldBeGreaterThanOrEqualTo(16);
        var largest = await server.Database.ScalarAsync<long>(
            $"SELECT max(n) FROM (SELECT count(*) AS n FROM {AuditRows} WHERE patient = '{patient}' GROUP BY xmin::text) t");
        largest.ShouldBeLessThanOrEqualTo(4);
    }

    [Fact]
    public async Task Given_a_small_batch_cap_When_waves_of_requests_record_Then_every_request_is_released_once_its_records_are_stored_and_the_writer_stops()
    {
        // Callers commit for each other and hand the queue on to a background loop when a batch
        // leaves records behind: none may be lost, none may wait for ever, and a stop must end.
        var patient = NewPatient();
        using var writer = await StartWriterAsync(maxBatch: 2);

        for (var wave = 0; wave < 20; wave++)
        {
            var calls = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                await Task.Delay(Random.Shared.Next(3));
                await writer.RecordAsync([Read(patient, $"Observation/w{wave}-{i}")], CancellationToken.None);
            })).ToList();
            await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        }

        await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        writer.RecordsWritten.ShouldBe(320);
        (await CountAsync(patient)).ShouldBe(320);
    }

    [Fact]
    public async Task Given_the_database_refuses_a_batch_When_recording_Then_its_callers_fail_nothing_of_it_is_stored_and_later_records_are()
    {
        var patient = NewPatient();
        var poisoned = NewPatient();
        // A real database error, on this patient's rows only (other tests share the database).
        await ExecuteAsync($"""
            CREATE FUNCTION fhir.refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.patient = '{poisoned}' THEN RAISE EXCEPTION 'audit storage refused'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_audit BEFORE INSERT ON {AuditRows} FOR EACH ROW EXECUTE FUNCTION fhir.refuse_audit();
            """);
        try
        {
            var failure = await Should.ThrowAsync<AuditUnavailableException>(() =>
                server.Audit.RecordAsync([Read(patient, "Observation/first"), Read(poisoned)], CancellationToken.None));
            failure.Message.ShouldNotContain(patient);

            (await CountAsync(patient)).ShouldBe(0);
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER refuse_audit ON " + AuditRows + "; DROP FUNCTION fhir.refuse_audit();");
        }

        await server.Audit.RecordAsync([Read(patient, "Observation/later")], CancellationToken.None);

        (await CountAsync(patient)).ShouldBe(1);
        var bundle = await SearchAsync($"patient={patient}");
        bundle["entry"]![0]!["resource"]!["entity"]![0]!["what"]!["reference"]!.GetValue<string>().ShouldBe("Observation/later/_history/3");
    }

    [Fact]
    public async Task Given_a_record_of_an_unknown_action_or_a_malformed_patient_When_recorded_Then_it_is_refused_before_anything_is_queued()
    {
        var before = server.Audit.RecordsWritten;

        await Should.ThrowAsync<ArgumentException>(() => server.Audit.RecordAsync([Read(NewPatient()) with { Action = "peek" }], CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => server.Audit.RecordAsync([Read("Practitioner/doc")], CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => server.Audit.RecordAsync([Read(NewPatient(), resource: "not a reference")], CancellationToken.None));

        server.Audit.RecordsWritten.ShouldBe(before);
    }

    [Fact]
    public async Task Given_records_awaited_When_the_server_is_stopped_right_after_Then_every_awaited_record_is_in_the_database()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("auditstop");
        var patient = NewPatient();
        var (factory, client) = await AuditServerFixture.StartAsync(database);
        var audit = factory.Services.GetRequiredService<IAccessAudit>();

        await audit.RecordAsync([Read(patient, "Observation/awaited")], CancellationToken.None);
        // More in flight while the host stops: each either commits or fails loudly, none vanishes.
        var inFlight = Enumerable.Range(0, 200).Select(i => audit.RecordAsync([Read(patient, $"Observation/f{i}")], CancellationToken.None)).ToList();
        client.Dispose();
        await factory.DisposeAsync();

        var succeeded = 0;
        foreach (var call in inFlight)
        {
            try
            {
                await call;
                succeeded++;
            }
            catch (AuditUnavailableException)
            {
            }
        }

        var stored = await database.ScalarAsync<long>($"SELECT count(*) FROM {AuditRows} WHERE patient = '{patient}'");
        stored.ShouldBe(1 + succeeded);
        (await database.ScalarAsync<long>($"SELECT count(*) FROM {AuditRows} WHERE json LIKE '%Observation/awaited/_history/3%'")).ShouldBe(1);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A writer of its own over the server's store, with a batch cap of <paramref name="maxBatch"/>.</summary>
    private async Task<GroupCommitAccessAudit> StartWriterAsync(int maxBatch)
    {
        var services = server.Factory.Services;
        var writer = new GroupCommitAccessAudit(
            services.GetRequiredService<Npgsql.NpgsqlDataSource>(), services.GetRequiredService<AccessAuditEvents>(), TimeProvider.System,
            Options.Create(new AuditOptions { MaxBatch = maxBatch }), NullLogger<GroupCommitAccessAudit>.Instance);
        await writer.StartAsync(CancellationToken.None);
        return writer;
    }
}
