using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Storage;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Schema;

/// <summary>
/// The numbered schema steps: a database written by an earlier build is brought to today's layout
/// once, and a database a newer build has migrated is refused.
/// </summary>
public sealed class SchemaMigrationTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private static string Patient(string id, string family) =>
        $$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"{{family}}"}]}""";

    [Fact]
    public async Task Given_a_new_database_Then_every_step_is_recorded_once()
    {
        var recorded = await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.schema_migration");
        var newest = await server.Database.ScalarAsync<int>("SELECT max(number) FROM fhir.schema_migration");

        recorded.ShouldBe(SchemaMigration.Steps.Count);
        newest.ShouldBe(SchemaMigration.Steps[^1].Number);
    }

    [Fact]
    public async Task Given_history_rows_of_current_versions_as_earlier_builds_wrote_them_When_the_server_starts_again_Then_history_lists_each_version_once_and_updates_go_on()
    {
        var id = "m-" + Guid.NewGuid().ToString("N")[..12];
        await server.Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await server.Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));
        // Earlier builds: a bodiless history row for the current version too, and no step 2 yet.
        await server.Database.ScalarAsync<int>($"""
            INSERT INTO fhir.mt_doc_storedresourceversion (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, version_id, is_deleted, last_updated, patient, section)
            SELECT c.id || '/_history/2', jsonb_set(c.data - 'Json', array['Id'], to_jsonb(c.id || '/_history/2')), c.mt_version, 'SeSPHR.FhirServer.Storage.StoredResourceVersion',
                   c.resource_type, c.logical_id, 2, c.is_deleted, c.last_updated, c.patient, c.section
            FROM fhir.mt_doc_storedresource c WHERE c.id = 'Patient/{id}';
            DELETE FROM fhir.schema_migration WHERE number = 2;
            SELECT 1
            """);

        await using (var restarted = Restart())
        {
            using var client = await ReadyClientAsync(restarted);
            var history = await (await client.GetAsync($"/fhir/Patient/{id}/_history")).BodyAsync();
            var update = await client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Three")));

            history.GetProperty("entry").EnumerateArray()
                .Select(entry => entry.GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString())
                .ShouldBe(["Two", "One"]);
            update.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.schema_migration WHERE number = 2")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_string_values_folded_for_case_only_as_earlier_builds_stored_them_When_the_server_starts_again_Then_searches_fold_accents_for_them_too()
    {
        var id = "f-" + Guid.NewGuid().ToString("N")[..12];
        var family = "Ålesund" + id[2..8];
        (await server.Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, family)))).EnsureSuccessStatusCode();
        // Earlier builds: the accent kept in the folded value, and no step 3 yet.
        await server.Database.ScalarAsync<int>($"""
            UPDATE fhir.search_string SET value = lower(raw) WHERE resource_id = 'Patient/{id}';
            DELETE FROM fhir.schema_migration WHERE number = 3;
            SELECT 1
            """);
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.search_string WHERE resource_id = 'Patient/{id}' AND value LIKE 'å%'")).ShouldBeGreaterThan(0);

        await using (var restarted = Restart())
        {
            using var client = await ReadyClientAsync(restarted);
            var found = await (await client.GetAsync($"/fhir/Patient?family=alesund{id[2..8]}")).BodyAsync();
            found.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ShouldBe([id]);
        }

        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.schema_migration WHERE number = 3")).ShouldBe(1);
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.search_string WHERE resource_id = 'Patient/{id}' AND value LIKE 'å%'")).ShouldBe(0);
    }

    [Fact]
    public async Task Given_AuditEvents_stored_as_documents_as_earlier_builds_did_When_the_server_starts_again_Then_they_are_in_the_audit_trail_and_searchable_there()
    {
        var patient = "Patient/a" + Guid.NewGuid().ToString("N")[..12];
        var record = new AccessRecord(
            new DateTimeOffset(2026, 2, 1, 9, 30, 0, TimeSpan.Zero), "u-doc", "practitioner", "Practitioner/doc", patient, "Observation/o1", 2, "vitals", "read",
            AccessOutcome.Success, "req-old");
        var old = server.Services.GetRequiredService<AccessAuditEvents>().ToWrite(record, DateTimeOffset.UtcNow);
        var (resource, index) = (old.Resource, old.Index);
        // Earlier builds: a document row with its search rows, and no step 4 yet.
        await using (var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var plant = new Npgsql.NpgsqlBatch(connection);
            void Add(string sql, params object[] values)
            {
                var command = new Npgsql.NpgsqlBatchCommand(sql);
                foreach (var value in values)
                {
                    command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
                }

                plant.BatchCommands.Add(command);
            }

            Add("""
                INSERT INTO fhir.mt_doc_storedresource (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section)
                VALUES ($1, jsonb_build_object('Id', $1, 'ResourceType', 'AuditEvent', 'LogicalId', $2, 'VersionId', 1, 'LastUpdated', $3, 'IsDeleted', false, 'Json', $4, 'Patient', $5),
                        gen_random_uuid(), 'SeSPHR.FhirServer.Storage.StoredResource', 'AuditEvent', $2, $3, false, $5, NULL)
                """, resource.Id, resource.LogicalId, resource.LastUpdated, resource.Json!, resource.Patient!);
            Add("INSERT INTO fhir.search_token (resource_id, resource_type, param, system, code) SELECT $1, 'AuditEvent', * FROM unnest($2::text[], $3::text[], $4::text[])",
                resource.Id, index.Tokens.Select(t => t.Parameter).ToArray(), index.Tokens.Select(t => t.System).ToArray(), index.Tokens.Select(t => t.Code).ToArray());
            Add("INSERT INTO fhir.search_reference (resource_id, resource_type, param, target_type, target_id) SELECT $1, 'AuditEvent', * FROM unnest($2::text[], $3::text[], $4::text[])",
                resource.Id, index.References.Select(r => r.Parameter).ToArray(), index.References.Select(r => r.TargetType).ToArray(), index.References.Select(r => r.TargetId).ToArray());
            Add("INSERT INTO fhir.search_date (resource_id, resource_type, param, low, high) SELECT $1, 'AuditEvent', * FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[])",
                resource.Id, index.Dates.Select(d => d.Parameter).ToArray(), index.Dates.Select(d => new DateTimeOffset(d.Low, TimeSpan.Zero)).ToArray(),
                index.Dates.Select(d => new DateTimeOffset(d.High, TimeSpan.Zero)).ToArray());
            Add("DELETE FROM fhir.schema_migration WHERE number = 4");
            await plant.ExecuteNonQueryAsync();
        }

        await using (var restarted = Restart())
        {
            using var client = await ReadyClientAsync(restarted);
            var read = await client.GetAsync($"/fhir/{resource.Id}");
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await read.Content.ReadAsStringAsync()).ShouldBe(resource.Json);
            foreach (var query in (string[])[$"patient={patient}", "agent=Practitioner/doc&entity=Observation/o1", "action=R&outcome=0", "date=2026-02-01T09:30:00Z"])
            {
                var found = await (await client.GetAsync($"/fhir/AuditEvent?{query}&_count=100")).BodyAsync();
                found.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ShouldContain(resource.LogicalId, query);
            }
        }

        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.schema_migration WHERE number = 4")).ShouldBe(1);
        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresource WHERE resource_type = 'AuditEvent'")).ShouldBe(0);
        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.search_reference WHERE resource_type = 'AuditEvent'")).ShouldBe(0);
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM {AuditEventTable.Name} WHERE id = '{resource.Id}' AND patient = '{patient}'")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_Devices_that_name_a_patient_stored_as_directory_rows_as_earlier_builds_did_When_the_server_starts_again_Then_every_version_is_filed_in_her_medical_section()
    {
        var id = "d-" + Guid.NewGuid().ToString("N")[..12];
        var device = "{\"resourceType\":\"Device\",\"id\":\"" + id + "\",\"patient\":{\"reference\":\"http://example.org/fhir/Patient/" + id + "-owner\"}}";
        (await server.Client.PutAsync($"/fhir/Device/{id}", FhirHttp.Json(device))).EnsureSuccessStatusCode();
        (await server.Client.PutAsync($"/fhir/Device/{id}", FhirHttp.Json(device))).EnsureSuccessStatusCode();
        (await server.Client.PutAsync($"/fhir/Device/{id}-scanner", FhirHttp.Json("{\"resourceType\":\"Device\",\"id\":\"" + id + "-scanner\"}")))
            .EnsureSuccessStatusCode();
        // Earlier builds: every Device of no record, and no step 5 yet.
        await server.Database.ScalarAsync<int>($"""
            UPDATE fhir.mt_doc_storedresource SET patient = NULL, section = NULL, data = data - 'Patient' - 'Section' WHERE logical_id LIKE '{id}%';
            UPDATE fhir.mt_doc_storedresourceversion SET patient = NULL, section = NULL, data = data - 'Patient' - 'Section' WHERE logical_id LIKE '{id}%';
            DELETE FROM fhir.schema_migration WHERE number = 5;
            SELECT 1
            """);

        await using (var restarted = Restart())
        {
            using var client = await ReadyClientAsync(restarted);
        }

        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.schema_migration WHERE number = 5")).ShouldBe(1);
        var filed = $"patient = 'Patient/{id}-owner' AND section = 'medical' AND data->>'Patient' = 'Patient/{id}-owner' AND data->>'Section' = 'medical'";
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.mt_doc_storedresource WHERE id = 'Device/{id}' AND {filed}")).ShouldBe(1);
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.mt_doc_storedresourceversion WHERE logical_id = '{id}' AND {filed}")).ShouldBe(1);
        (await server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.mt_doc_storedresource WHERE id = 'Device/{id}-scanner' AND patient IS NULL AND section IS NULL")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_a_database_a_newer_build_migrated_When_this_build_migrates_Then_it_refuses_and_changes_nothing()
    {
        await server.Database.ScalarAsync<int>("INSERT INTO fhir.schema_migration (number, name) VALUES (999, 'from a newer build') ON CONFLICT DO NOTHING; SELECT 1");
        try
        {
            var migration = server.Services.GetRequiredService<SchemaMigration>();

            var refused = await Should.ThrowAsync<SchemaTooNewException>(() => migration.MigrateAsync(CancellationToken.None));

            refused.Message.ShouldContain("999");
        }
        finally
        {
            await server.Database.ScalarAsync<int>("DELETE FROM fhir.schema_migration WHERE number = 999; SELECT 1");
        }
    }

    private WebApplicationFactory<Program> Restart() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", server.Database.ConnectionString);
            builder.UseSetting("Fhir:ProtectedSections", "false");
            builder.UseSetting("Fhir:Auth:Required", "false");
            builder.UseSetting("Fhir:Access:ConsentCheck", "false");
        });

    private static async Task<HttpClient> ReadyClientAsync(WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/fhir+json"));
        for (var attempt = 0; attempt < 300 && !(await client.GetAsync("/healthz")).IsSuccessStatusCode; attempt++)
        {
            await Task.Delay(100);
        }

        return client;
    }
}
