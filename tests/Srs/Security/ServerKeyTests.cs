using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Srs.Tests.Storage;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Security;

/// <summary>
/// The SRS's own keys are sealed at rest under the key-encryption key from configuration, and the
/// token signing key is replaced on a schedule with an overlap in the JWKS.
/// </summary>
public sealed class ServerKeyTests
{
    private static readonly object NoGrantCall = new
    {
        granteeId = Guid.NewGuid().ToString(),
        items = new[] { new { @ref = "Observation/o1", patient = "Patient/p1", section = "vitals", epoch = 1, capsule = Convert.ToBase64String(new byte[98]) } },
    };

    [Fact]
    public async Task Given_a_running_SRS_with_a_signed_in_user_When_its_database_is_searched_Then_no_server_key_or_cookie_key_is_there_in_clear()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-sealed");
        await using var srs = new SrsHost(database.ConnectionString, TempDirectory());
        var http = srs.CreateClient();
        await SrsFlows.EnrolAdminAsync(http, srs);
        var patient = await SrsFlows.RegisterAsync(http, "sealed-patient", "patient", "Patient/sealed");
        await SrsFlows.SignInAsync(srs, patient);
        (await http.GetAsync("/api/accounts/kdf?username=nobody-here")).EnsureSuccessStatusCode();

        var keys = srs.Services.GetRequiredService<ServerKeyRing>().Current;
        var secrets = new List<byte[]>();
        foreach (var signing in keys.Signing)
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(signing.Material, out _);
            secrets.Add(signing.Material);
            secrets.Add(ecdsa.ExportParameters(includePrivateParameters: true).D!);
        }

        secrets.Add(keys.Encryption.Material);
        var dump = await DumpAsync(database);
        foreach (var secret in secrets)
        {
            dump.ShouldNotContain(Convert.ToHexStringLower(secret));
            dump.ShouldNotContain(Convert.ToBase64String(secret));
            dump.ShouldNotContain(Base64UrlEncoder.Encode(secret));
        }

        // The cookie key ring is in the database, sealed: no master key in its XML.
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.\"DataProtectionKeys\"")).ShouldBeGreaterThan(0);
        dump.ShouldNotContain("masterKey");
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.server_keys WHERE NOT \"Sealed\"")).ShouldBe(0);
    }

    [Fact]
    public async Task Given_keys_sealed_under_one_KEK_When_the_SRS_starts_with_another_Then_it_refuses_to_start_and_says_why()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-wrongkek");
        await using (var first = new SrsHost(database.ConnectionString, TempDirectory()))
            (await first.CreateClient().GetAsync("/.well-known/jwks")).EnsureSuccessStatusCode();

        await using var second = new SrsHost(database.ConnectionString, TempDirectory(), new Dictionary<string, string?>
        {
            ["Srs:KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        var refused = Should.Throw<KeyEncryptionKeyMismatchException>(() => second.CreateClient());
        refused.Message.ShouldContain("Srs:KeyEncryptionKey");
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    public async Task Given_no_or_a_malformed_KEK_When_the_SRS_starts_Then_it_refuses_to_start_and_says_why(string kek)
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-nokek");
        await using var srs = new SrsHost(database.ConnectionString, TempDirectory(), new Dictionary<string, string?> { ["Srs:KeyEncryptionKey"] = kek });
        var refused = Should.Throw<InvalidOperationException>(() => srs.CreateClient());
        refused.Message.ShouldContain("Srs:KeyEncryptionKey");
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'srs' AND tablename = 'server_keys'")).ShouldBe(0);
    }

    [Fact]
    public async Task Given_plaintext_keys_of_an_older_build_When_the_SRS_starts_Then_they_are_sealed_and_a_token_they_signed_still_verifies()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-legacykeys");
        await LegacySchema.CreateAsync(database);
        using var legacy = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pkcs8 = legacy.ExportPkcs8PrivateKey();
        var encryption = RandomNumberGenerator.GetBytes(32);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO srs.server_keys ("Purpose", "KeyId", "Material", "CreatedAt") VALUES
                ('token-signing', 'legacy-signing', @signing, now() - interval '10 days'),
                ('token-encryption', 'legacy-encryption', @encryption, now() - interval '10 days'),
                ('kdf-fakes', 'legacy-kdf', @kdf, now() - interval '10 days')
                """, connection);
            insert.Parameters.AddWithValue("signing", pkcs8);
            insert.Parameters.AddWithValue("encryption", encryption);
            insert.Parameters.AddWithValue("kdf", RandomNumberGenerator.GetBytes(32));
            await insert.ExecuteNonQueryAsync();
        }

        var issuedBefore = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Audience = "sesphr-fhir",
            TokenType = "at+jwt",
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(legacy) { KeyId = "legacy-signing" }, SecurityAlgorithms.EcdsaSha256),
        });

        await using var srs = new SrsHost(database.ConnectionString, TempDirectory());
        var http = srs.CreateClient();
        (await SrsFlows.VerifyAsync(http, issuedBefore)).Kid.ShouldBe("legacy-signing");
        var fresh = await ServiceTokenAsync(http);
        new JsonWebToken(fresh).Kid.ShouldBe("legacy-signing");

        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.server_keys WHERE NOT \"Sealed\"")).ShouldBe(0);
        var dump = await DumpAsync(database);
        dump.ShouldNotContain(Convert.ToHexStringLower(pkcs8));
        dump.ShouldNotContain(Convert.ToHexStringLower(encryption));
    }

    [Fact]
    public async Task Given_short_signing_key_lifetimes_When_the_key_is_replaced_Then_the_successor_is_published_before_it_signs_and_tokens_of_the_old_key_still_validate()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-rotation");
        await using var srs = new SrsHost(database.ConnectionString, TempDirectory(), new Dictionary<string, string?>
        {
            ["Srs:SigningKeys:Lifetime"] = "00:00:03",
            ["Srs:SigningKeys:Prepublish"] = "00:00:02",
            ["Srs:SigningKeys:CheckInterval"] = "00:00:00.250",
        });
        var http = srs.CreateClient();
        var oldToken = await ServiceTokenAsync(http);
        var oldKid = new JsonWebToken(oldToken).Kid;

        var publishedBefore = new HashSet<string>();
        string newToken;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            publishedBefore.UnionWith(await PublishedKidsAsync(http));
            newToken = await ServiceTokenAsync(http);
            if (new JsonWebToken(newToken).Kid != oldKid)
                break;
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the signing key was never replaced");
            await Task.Delay(100);
        }

        var newKid = new JsonWebToken(newToken).Kid;
        publishedBefore.ShouldContain(newKid, "the successor signed before it was in the JWKS");
        var published = await PublishedKidsAsync(http);
        published.ShouldContain(oldKid);
        published.ShouldContain(newKid);

        // The old key's token, never presented before (nothing remembers it), is still accepted.
        (await SrsFlows.VerifyAsync(http, oldToken, "sesphr-srs")).Kid.ShouldBe(oldKid);
        using var withOld = SrsFlows.WithBearer(srs, oldToken);
        (await withOld.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var withNew = SrsFlows.WithBearer(srs, newToken);
        (await withNew.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<string[]> PublishedKidsAsync(HttpClient http)
    {
        var jwks = await http.GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        return jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
    }

    private static async Task<string> ServiceTokenAsync(HttpClient http) =>
        (await SrsFlows.ReadTokenAsync(await SrsFlows.ClientSecretAsync(http, SrsAuthorization.FhirServiceClientId, SrsHost.FhirServiceSecret, "srs.reencrypt"))).AccessToken;

    /// <summary>Every row of every SRS table as text (bytea as hex), as a database dump would show it.</summary>
    private static async Task<string> DumpAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname = 'srs'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }

        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                dump.AppendLine(reader.GetString(0));
        }

        return dump.ToString().Replace("\\\\x", "", StringComparison.Ordinal).Replace("\\x", "", StringComparison.Ordinal);
    }

    private static string TempDirectory() => Directory.CreateTempSubdirectory("srs-test-").FullName;
}
