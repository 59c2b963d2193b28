using System.Net;
using System.Net.Http.Json;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.OAuth;

public sealed class RestartAndLogTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private string _dataDirectory = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("srs-restart");
        _dataDirectory = Directory.CreateTempSubdirectory("srs-test-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Given_a_token_When_the_SRS_restarts_Then_the_same_kid_verifies_it_and_no_secret_was_logged()
    {
        string token, kid, code;
        TestUser patient;
        IssuedToken tokens;
        await using (var first = new SrsHost(_database.ConnectionString, _dataDirectory))
        {
            var http = first.CreateClient();
            code = (await File.ReadAllTextAsync(first.EnrolmentCodeFile)).Trim();
            await SrsFlows.EnrolAdminAsync(http, first);
            patient = await SrsFlows.RegisterAsync(http, "restart-patient", "patient", "Patient/restart");
            tokens = await SrsFlows.SignInAsync(first, patient);
            token = tokens.AccessToken;
            kid = (await SrsFlows.VerifyAsync(http, token)).Kid;

            var log = string.Join('\n', first.Log);
            log.ShouldContain(code); // the one print of the enrolment code
            log.Split(code).Length.ShouldBe(2);
            foreach (var secret in new[] { Convert.ToBase64String(patient.AuthSecret), token, tokens.RefreshToken!, tokens.IdToken! })
                log.ShouldNotContain(secret);
        }

        await using var second = new SrsHost(_database.ConnectionString, _dataDirectory);
        var again = second.CreateClient();
        (await SrsFlows.VerifyAsync(again, token)).Kid.ShouldBe(kid);
        (await SrsFlows.ReadTokenAsync(await SrsFlows.RefreshAsync(again, tokens.RefreshToken!))).AccessToken.ShouldNotBeNullOrEmpty();
        string.Join('\n', second.Log).ShouldNotContain(code);
    }

    [Fact]
    public async Task Given_a_low_login_limit_When_exceeded_Then_429_problem()
    {
        await using var srs = new SrsHost(_database.ConnectionString, _dataDirectory, new Dictionary<string, string?>
        {
            ["Srs:RateLimits:Login:PermitLimit"] = "3",
        });
        var http = srs.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await http.PostAsJsonAsync("/account/login", new { username = "nobody", authSecret = Convert.ToBase64String(new byte[32]) })).StatusCode);

        statuses.Take(3).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        statuses.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        var refused = await http.PostAsJsonAsync("/account/login", new { username = "nobody", authSecret = Convert.ToBase64String(new byte[32]) });
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
