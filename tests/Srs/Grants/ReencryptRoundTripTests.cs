using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// What one <c>POST /api/reencrypt</c> costs the database, as the SRS's own Npgsql commands show
/// it: the look-up of the grantee and their kfrags, and the log insert; no token or account look-up
/// for the FhirServer's service token.
/// </summary>
public sealed class ReencryptRoundTripTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    [Fact]
    public async Task Given_a_service_token_When_reencryption_is_asked_Then_the_SRS_runs_one_lookup_and_one_log_insert()
    {
        using var http = srs.Host.CreateClient();
        var token = (await SrsFlows.ReadTokenAsync(
            await SrsFlows.ClientSecretAsync(http, "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.reencrypt"))).AccessToken;
        using var fhir = SrsFlows.WithBearer(srs.Host, token);
        var body = new
        {
            granteeId = Guid.NewGuid().ToString(),
            items = new[] { new { @ref = "Observation/o1", patient = "Patient/p1", section = "vitals", epoch = 1, capsule = Convert.ToBase64String(new byte[98]) } },
        };
        await SrsFlows.ExpectAsync(await fhir.PostAsJsonAsync("/api/reencrypt", body), HttpStatusCode.OK);

        var database = new NpgsqlConnectionStringBuilder(srs.ConnectionString).Database!;
        var commands = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var name = activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name");
                if (string.Equals(name as string, database, StringComparison.Ordinal))
                    commands.Enqueue((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement") ?? activity.DisplayName)?.ToString() ?? "?");
            },
        };
        ActivitySource.AddActivityListener(listener);

        var response = await fhir.PostAsJsonAsync("/api/reencrypt", body);

        await SrsFlows.ExpectAsync(response, HttpStatusCode.OK);
        var refused = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("items")[0].GetProperty("refused").GetString();
        refused.ShouldBe("no-grant");
        commands.Count.ShouldBe(2, string.Join("\n---\n", commands));
        commands.ShouldContain(c => c.Contains("reencryption_keys", StringComparison.Ordinal));
        commands.ShouldContain(c => c.Contains("INSERT INTO srs.reencryption_log", StringComparison.Ordinal));
    }
}
