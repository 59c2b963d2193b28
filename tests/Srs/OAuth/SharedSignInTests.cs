using System.Net;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.OAuth;

/// <summary>
/// Several SRS processes on one database share the login cookie: its data-protection key ring lives
/// in the SRS database (sealed under the key-encryption key), not in one process's profile folder.
/// </summary>
public sealed class SharedSignInTests
{
    [Fact]
    public async Task Given_two_SRS_hosts_on_one_database_When_a_user_logs_in_at_one_Then_the_other_accepts_the_login_cookie_at_authorize()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-shared-login");
        await using var first = new SrsHost(database.ConnectionString, Directory.CreateTempSubdirectory("srs-test-").FullName);
        await using var second = new SrsHost(database.ConnectionString, Directory.CreateTempSubdirectory("srs-test-").FullName);
        var http = first.CreateClient();
        var patient = await SrsFlows.RegisterAsync(http, "shared-login", "patient", "Patient/shared-login");
        // Both processes are up, each with its key ring loaded, before the cookie is made.
        (await second.CreateClient().GetAsync("/.well-known/jwks")).EnsureSuccessStatusCode();

        using var atFirst = first.Browser();
        var login = await SrsFlows.LoginAsync(atFirst, patient.Username, patient.AuthSecret);
        login.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("sesphr.srs.login=", StringComparison.Ordinal)).Split(';')[0];

        using var atSecond = second.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        atSecond.DefaultRequestHeaders.Add("Cookie", cookie);
        var (verifier, challenge) = SrsFlows.NewPkce();
        var code = SrsFlows.CodeFrom(await SrsFlows.AuthorizeAsync(atSecond, "openid patient/*.rs", challenge));
        (await SrsFlows.ReadTokenAsync(await SrsFlows.ExchangeCodeAsync(atSecond, code, verifier))).AccessToken.ShouldNotBeNullOrEmpty();

        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.\"DataProtectionKeys\"")).ShouldBeGreaterThan(0);
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.\"DataProtectionKeys\" WHERE \"Xml\" LIKE '%masterKey%'")).ShouldBe(0);
    }
}
