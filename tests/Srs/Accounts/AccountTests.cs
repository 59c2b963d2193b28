using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Accounts;

public sealed class AccountTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private readonly HttpClient _http = srs.Host.CreateClient();

    [Fact]
    public async Task Given_a_patient_When_registered_Then_active_with_the_fingerprint_of_both_keys()
    {
        var name = SrsFixture.Unique("pat");
        var user = await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");

        user.Status.ShouldBe("active");
        var expected = SeSPHR.Crypto.Grants.KeyFingerprint.Compute(
            SeSPHR.Crypto.Umbral.PublicKey.FromBytes(user.UmbralPublicKey), SeSPHR.Crypto.Umbral.PublicKey.FromBytes(user.SigningPublicKey));
        user.Fingerprint.ShouldBe(Convert.ToHexStringLower(expected.ToBytes()));
    }

    [Theory]
    [InlineData("practitioner", "Practitioner")]
    [InlineData("insurer", "Organization")]
    [InlineData("pharmacist", "PractitionerRole")]
    [InlineData("researcher", "Practitioner")]
    public async Task Given_a_professional_role_When_registered_Then_pending(string role, string type)
    {
        var name = SrsFixture.Unique(role[..3]);
        (await SrsFlows.RegisterAsync(_http, name, role, $"{type}/{name}")).Status.ShouldBe("pending");
    }

    [Theory]
    [InlineData("patient", "Practitioner/x1", "fhirUser")]
    [InlineData("insurer", "Patient/x2", "fhirUser")]
    [InlineData("nurse", "Practitioner/x3", "role")]
    [InlineData("patient", "https://evil/Patient/x4", "fhirUser")]
    public async Task Given_a_role_and_fhirUser_that_do_not_fit_When_registered_Then_400_naming_the_field(string role, string fhirUser, string field)
    {
        var (body, _, _, _) = SrsFlows.RegistrationBody(SrsFixture.Unique("bad"), role, fhirUser);

        var response = await _http.PostAsJsonAsync("/api/accounts", body);

        await SrsFlows.ExpectAsync(response, HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()!.ShouldStartWith(field);
    }

    [Fact]
    public async Task Given_admin_as_role_When_registered_Then_refused()
    {
        var (body, _, _, _) = SrsFlows.RegistrationBody(SrsFixture.Unique("adm"), "admin", "Practitioner/" + SrsFixture.Unique("a"));

        (await _http.PostAsJsonAsync("/api/accounts", body)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_key_that_is_not_a_curve_point_When_registered_Then_400_without_echoing_the_secret()
    {
        var name = SrsFixture.Unique("key");
        var (body, secret, _, _) = SrsFlows.RegistrationBody(name, "patient", $"Patient/{name}");
        var json = JsonSerializer.SerializeToNode(body)!;
        var notAPoint = new byte[33];
        notAPoint[0] = 0x02;
        notAPoint[1..].AsSpan().Fill(0xff);
        json["umbralPublicKey"] = Convert.ToBase64String(notAPoint);

        var response = await _http.PostAsJsonAsync("/api/accounts", json);

        await SrsFlows.ExpectAsync(response, HttpStatusCode.BadRequest);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldContain("umbralPublicKey");
        text.ShouldNotContain(Convert.ToBase64String(secret));
    }

    [Fact]
    public async Task Given_a_weak_kdf_or_short_secret_When_registered_Then_400()
    {
        var name = SrsFixture.Unique("kdf");
        var (body, _, _, _) = SrsFlows.RegistrationBody(name, "patient", $"Patient/{name}");
        var weak = JsonSerializer.SerializeToNode(body)!;
        weak["kdf"]!["memoryKiB"] = 1024;
        var short_ = JsonSerializer.SerializeToNode(body)!;
        short_["authSecret"] = Convert.ToBase64String(new byte[16]);

        (await _http.PostAsJsonAsync("/api/accounts", weak)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await _http.PostAsJsonAsync("/api/accounts", short_)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_malformed_json_When_registered_Then_400_problem_not_500()
    {
        var response = await _http.PostAsync("/api/accounts", new StringContent("{\"username\": [1,", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Given_a_taken_username_or_fhirUser_When_registered_Then_409()
    {
        var name = SrsFixture.Unique("dup");
        await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");

        var (sameName, _, _, _) = SrsFlows.RegistrationBody(name, "patient", $"Patient/{name}-other");
        var (sameFhirUser, _, _, _) = SrsFlows.RegistrationBody(name + "x", "patient", $"Patient/{name}");

        (await _http.PostAsJsonAsync("/api/accounts", sameName)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await _http.PostAsJsonAsync("/api/accounts", sameFhirUser)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Given_a_taken_username_When_registered_again_Then_409_names_no_account_changes_nothing_and_reserves_nothing()
    {
        var name = SrsFixture.Unique("own");
        var owner = await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");
        var (taken, _, _, _) = SrsFlows.RegistrationBody(name, "patient", $"Patient/{name}-other");

        var response = await _http.PostAsJsonAsync("/api/accounts", taken);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain(owner.UserId.ToString());
        body.ShouldNotContain(owner.Fingerprint);
        body.ShouldNotContain(owner.FhirUser);
        // The owner's secret still works, and the refused request's fhirUser was not taken.
        using var browser = srs.Host.Browser();
        (await SrsFlows.LoginAsync(browser, owner.Username, owner.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await SrsFlows.RegisterAsync(_http, name + "b", "patient", $"Patient/{name}-other");
    }

    [Fact]
    public async Task Given_an_unknown_username_When_kdf_is_asked_twice_Then_the_same_plausible_answer()
    {
        var first = await _http.GetFromJsonAsync<JsonElement>("/api/accounts/kdf?username=nobody-here");
        var second = await _http.GetFromJsonAsync<JsonElement>("/api/accounts/kdf?username=nobody-here");
        var other = await _http.GetFromJsonAsync<JsonElement>("/api/accounts/kdf?username=nobody-else");

        first.GetProperty("salt").GetString().ShouldBe(second.GetProperty("salt").GetString());
        first.GetProperty("salt").GetString().ShouldNotBe(other.GetProperty("salt").GetString());
        Convert.FromBase64String(first.GetProperty("salt").GetString()!).Length.ShouldBe(16);
        first.GetProperty("memoryKiB").GetInt32().ShouldBe(65536);
    }

    [Fact]
    public async Task Given_the_used_enrolment_code_When_enrolled_again_Then_403_and_the_file_is_gone()
    {
        File.Exists(srs.Host.EnrolmentCodeFile).ShouldBeFalse();
        var (body, _, _, _) = SrsFlows.RegistrationBody(SrsFixture.Unique("adm2"), "admin", "Practitioner/" + SrsFixture.Unique("adm2"));
        var json = JsonSerializer.SerializeToNode(body)!.AsObject();
        json.Remove("role");
        json["code"] = "0123456789abcdef0123456789abcdef";

        var response = await _http.PostAsJsonAsync("/api/enrolment", json);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_a_signed_in_user_When_the_directory_is_read_Then_it_returns_keys_and_fingerprint()
    {
        var name = SrsFixture.Unique("doc");
        var doctor = await SrsFlows.RegisterAsync(_http, name, "practitioner", $"Practitioner/{name}");
        var patientName = SrsFixture.Unique("pat");
        var patient = await SrsFlows.RegisterAsync(_http, patientName, "patient", $"Patient/{patientName}");
        using var asPatient = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, patient, SrsFlows.SrsScope)).AccessToken);

        var byId = await asPatient.GetFromJsonAsync<JsonElement>($"/api/directory/users/{doctor.UserId}");
        var byFhirUser = await asPatient.GetFromJsonAsync<JsonElement[]>($"/api/directory?fhirUser=Practitioner/{name}");
        var me = await asPatient.GetFromJsonAsync<JsonElement>("/api/accounts/me");
        var backup = await asPatient.GetFromJsonAsync<JsonElement>("/api/accounts/me/backup");

        byId.GetProperty("umbralPublicKey").GetString().ShouldBe(Convert.ToBase64String(doctor.UmbralPublicKey));
        byId.GetProperty("signingPublicKey").GetString().ShouldBe(Convert.ToBase64String(doctor.SigningPublicKey));
        byId.GetProperty("fingerprint").GetString().ShouldBe(doctor.Fingerprint);
        byId.GetProperty("status").GetString().ShouldBe("pending");
        byFhirUser.ShouldHaveSingleItem().GetProperty("userId").GetGuid().ShouldBe(doctor.UserId);
        me.GetProperty("userId").GetGuid().ShouldBe(patient.UserId);
        SeSPHR.Crypto.Passwords.KeyBackup.ReadSettings(Convert.FromBase64String(backup.GetProperty("wrappedBackup").GetString()!)).ShouldNotBeNull();
        (await _http.GetAsync($"/api/directory/users/{doctor.UserId}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Given_a_pending_practitioner_When_they_log_in_Then_refused_until_an_admin_approves()
    {
        var name = SrsFixture.Unique("doc");
        var doctor = await SrsFlows.RegisterAsync(_http, name, "practitioner", $"Practitioner/{name}");
        using var browser = srs.Host.Browser();

        (await SrsFlows.LoginAsync(browser, doctor.Username, doctor.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var asPatientNotAdmin = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host,
            await SrsFlows.RegisterAsync(_http, SrsFixture.Unique("p"), "patient", "Patient/" + SrsFixture.Unique("p")), SrsFlows.SrsScope)).AccessToken);
        (await asPatientNotAdmin.PostAsync($"/api/accounts/{doctor.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        (await asAdmin.PostAsync($"/api/accounts/{doctor.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await SrsFlows.LoginAsync(browser, doctor.Username, doctor.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Given_a_wrong_secret_When_logging_in_Then_the_same_401_as_an_unknown_user()
    {
        var name = SrsFixture.Unique("pat");
        var user = await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");
        using var browser = srs.Host.Browser();
        var wrong = (byte[])user.AuthSecret.Clone();
        wrong[0] ^= 1;

        var wrongSecret = await SrsFlows.LoginAsync(browser, user.Username, wrong);
        var unknownUser = await SrsFlows.LoginAsync(browser, "no-such-user", user.AuthSecret);

        wrongSecret.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        unknownUser.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var wrongBody = await wrongSecret.Content.ReadFromJsonAsync<JsonElement>();
        var unknownBody = await unknownUser.Content.ReadFromJsonAsync<JsonElement>();
        wrongBody.GetProperty("title").GetString().ShouldBe(unknownBody.GetProperty("title").GetString());
        wrongBody.EnumerateObject().Select(p => p.Name).ShouldBe(unknownBody.EnumerateObject().Select(p => p.Name));
        wrongSecret.Headers.Contains("Set-Cookie").ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_suspended_member_When_the_FhirServer_asks_for_withdrawn_accounts_Then_listed_until_approved_again_and_no_user_may_ask()
    {
        var name = SrsFixture.Unique("doc");
        var doctor = await SrsFlows.RegisterAsync(_http, name, "practitioner", $"Practitioner/{name}");
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        (await asAdmin.PostAsync($"/api/accounts/{doctor.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var service = await SrsFlows.ReadTokenAsync(
            await SrsFlows.ClientSecretAsync(_http, "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.revoke"));
        using var asFhirServer = SrsFlows.WithBearer(srs.Host, service.AccessToken);

        async Task<Guid[]> WithdrawnAsync()
        {
            var answer = await asFhirServer.GetFromJsonAsync<JsonElement>("/api/accounts/withdrawn");
            return [.. answer.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("userId").GetGuid())];
        }

        var pending = await SrsFlows.RegisterAsync(_http, SrsFixture.Unique("doc"), "practitioner", $"Practitioner/{SrsFixture.Unique("doc")}");
        (await WithdrawnAsync()).ShouldNotContain(pending.UserId, "pending since registration: it never held a token");
        (await WithdrawnAsync()).ShouldNotContain(doctor.UserId);
        (await asAdmin.PostAsync($"/api/accounts/{doctor.UserId}/suspension", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await WithdrawnAsync()).ShouldContain(doctor.UserId);
        (await asAdmin.PostAsync($"/api/accounts/{doctor.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await WithdrawnAsync()).ShouldNotContain(doctor.UserId);
        (await asAdmin.DeleteAsync($"/api/accounts/{doctor.UserId}/approval")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await WithdrawnAsync()).ShouldContain(doctor.UserId, "approval withdrawn: pending again, and listed");

        // Who is suspended is the service's business, not a user's, not even an admin's token.
        (await asAdmin.GetAsync("/api/accounts/withdrawn")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _http.GetAsync("/api/accounts/withdrawn")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
