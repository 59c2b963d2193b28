using System.Net;
using System.Net.Sockets;
using Hl7.Fhir.Model;
using Microsoft.IdentityModel.JsonWebTokens;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>
/// The SDK's accounts against the real SRS and FhirServer: tokens per audience (the SRS token only
/// when something needs it), renewal inside the SDK, sign-out that forgets the keys, the new device,
/// and the typed errors a caller acts on.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class AccountTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_signed_in_user_When_nothing_needs_the_SRS_Then_only_a_FhirServer_token_is_held_and_the_SRS_token_comes_on_first_need()
    {
        using var patient = await system.NewPatientAsync("audience");

        patient.SrsAccessToken.ShouldBeNull("a sign-in asked for an SRS token nothing needed yet");
        Audiences(patient.RequireAccessToken).ShouldBe(["sesphr-fhir"]);
        Should.Throw<NotSignedInException>(() => patient.RequireSrsAccessToken);

        var srsToken = await patient.GetSrsAccessTokenAsync();
        Audiences(srsToken).ShouldBe(["sesphr-srs"]);
        (await patient.Srs.MeAsync(srsToken)).UserId.ToString().ShouldBe(patient.RequireUserId);
    }

    [Fact]
    public async Task Given_a_FhirServer_token_about_to_expire_or_refused_When_the_user_reads_Then_the_SDK_renews_it_and_the_read_succeeds()
    {
        using var patient = await system.NewPatientAsync("renewal");
        using var fhir = new HttpClient(patient.CreateFhirHandler()) { BaseAddress = system.Endpoints.Fhir, Timeout = Timeout.InfiniteTimeSpan };
        var patientPath = patient.FhirUser;

        // The token held says it expires within a second: the handler renews it before sending.
        var issued = patient.FhirTokens.Tokens!;
        patient.FhirTokens.Accept(issued with { ExpiresIn = 1 });
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using (var read = await fhir.GetAsync(patientPath + "/_history"))
        {
            read.StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);
        }

        patient.AccessToken.ShouldNotBe(issued.AccessToken, "the expiring token was sent instead of a renewed one");

        // A token the FhirServer refuses (revoked, or signed by a key it no longer knows): renewed on the 401, sent once more.
        var renewed = patient.FhirTokens.Tokens!;
        patient.FhirTokens.Accept(renewed with { AccessToken = renewed.AccessToken + "x" });
        using (var read = await fhir.GetAsync(patientPath + "/_history"))
        {
            read.StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);
        }

        Audiences(patient.RequireAccessToken).ShouldBe(["sesphr-fhir"]);
    }

    [Fact]
    public async Task Given_a_wrong_password_or_an_unknown_user_When_signing_in_Then_WrongPasswordException()
    {
        using var patient = await system.NewPatientAsync("wrong-password");

        await Should.ThrowAsync<WrongPasswordException>(() =>
            PhrUser.SignInAsync(system.Endpoints, patient.Username, PhrUser.NewPassword(), patient.Role, patient.FhirUser));
        await Should.ThrowAsync<WrongPasswordException>(() =>
            PhrUser.SignInAsync(system.Endpoints, "nobody-" + Guid.NewGuid().ToString("N")[..8], PhrUser.NewPassword(), SrsRoles.Patient, "Patient/nobody"));
    }

    [Fact]
    public async Task Given_a_user_never_signed_in_When_they_call_a_service_Then_NotSignedInException()
    {
        using var user = PhrUser.Create(system.Endpoints, "unsigned-" + Guid.NewGuid().ToString("N")[..8], SrsRoles.Patient, "Patient/" + Guid.NewGuid().ToString("N"));
        using var fhir = new HttpClient(user.CreateFhirHandler()) { BaseAddress = system.Endpoints.Fhir };

        await Should.ThrowAsync<NotSignedInException>(() => user.GetAccessTokenAsync());
        await Should.ThrowAsync<NotSignedInException>(() => user.GetSrsAccessTokenAsync());
        await Should.ThrowAsync<NotSignedInException>(() => fhir.GetAsync("Observation"));
        Should.Throw<NotSignedInException>(() => user.RequireAccessToken);
    }

    [Fact]
    public async Task Given_a_signed_in_user_When_they_sign_out_Then_the_keys_are_zeroed_the_tokens_gone_and_every_call_is_NotSignedIn()
    {
        using var patient = await system.NewPatientAsync("sign-out");
        await patient.GetSrsAccessTokenAsync();
        var keys = patient.Keys;
        using var fhir = new HttpClient(patient.CreateFhirHandler()) { BaseAddress = system.Endpoints.Fhir };

        patient.SignOut();

        patient.AccessToken.ShouldBeNull();
        patient.SrsAccessToken.ShouldBeNull();
        patient.Srs.HasLoginSession.ShouldBeFalse("the SRS login cookie outlived the sign-out");
        Should.Throw<NotSignedInException>(() => patient.Keys);
        Should.Throw<ObjectDisposedException>(() => keys.Decryption.ToBigEndianBytes().Dispose());
        Should.Throw<ObjectDisposedException>(() => keys.SigningKey.ToBigEndianBytes().Dispose());
        await Should.ThrowAsync<NotSignedInException>(() => patient.GetAccessTokenAsync());
        await Should.ThrowAsync<NotSignedInException>(() => patient.GetSrsAccessTokenAsync());
        await Should.ThrowAsync<NotSignedInException>(() => fhir.GetAsync(patient.FhirUser));
        await Should.ThrowAsync<NotSignedInException>(() => patient.OnNewDeviceAsync());
    }

    [Fact]
    public async Task Given_a_patient_with_a_sealed_record_When_they_sign_in_on_a_new_device_Then_the_restored_keys_open_it()
    {
        var password = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("new-device", password);
        var record = new PatientRecord(patient, PatientGrants.Open(patient, system.JournalFolder(patient)).Book);
        var pulse = Vitals.Pulse(record, 64);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();

        using var device = await PhrUser.SignInAsync(system.Endpoints, patient.Username, password, SrsRoles.Patient, patient.FhirUser);

        device.Keys.Fingerprint.ShouldBe(patient.Keys.Fingerprint);
        device.RequireUserId.ShouldBe(patient.RequireUserId);
        var stored = (await device.Fhir.ReadAsync("Observation", pulse.Id!)).Resource.ShouldNotBeNull();
        var opened = new PatientRecord(device, PatientGrants.Open(device, system.JournalFolder(device) + "-device").Book).OpenOwn(stored);
        opened.ShouldBeOfType<Observation>().Value.ShouldBeOfType<Quantity>().Value.ShouldBe(64m);
    }

    [Fact]
    public async Task Given_the_enrolment_code_already_used_When_someone_enrols_again_Then_the_SRS_refuses_and_the_first_admin_is_an_active_admin()
    {
        var admin = await system.Admin.Srs.MeAsync(await system.Admin.GetSrsAccessTokenAsync());
        admin.Role.ShouldBe(SrsRoles.Admin);
        admin.Status.ShouldBe("active");

        using var late = PhrUser.Create(system.Endpoints, "late-admin-" + Guid.NewGuid().ToString("N")[..8], SrsRoles.Admin, "Practitioner/" + Guid.NewGuid().ToString("N"));
        var refused = await Should.ThrowAsync<SrsRequestException>(() => late.EnrolAsAdminAsync("not-the-code"));
        refused.Status.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_the_SRS_is_down_When_a_user_signs_in_Then_SrsUnavailableException()
    {
        var password = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("srs-down", password);
        system.Srs.Crash();
        try
        {
            await Should.ThrowAsync<SrsUnavailableException>(() =>
                PhrUser.SignInAsync(system.Endpoints, patient.Username, password, SrsRoles.Patient, patient.FhirUser));
            await Should.ThrowAsync<SrsUnavailableException>(() => patient.GetSrsAccessTokenAsync());
        }
        finally
        {
            await system.Srs.StartAsync();
        }
    }

    [Fact]
    public async Task Given_the_FhirServer_is_down_or_failing_When_a_user_reads_Then_FhirServerUnavailableException()
    {
        using var patient = await system.NewPatientAsync("fhir-down");
        using var doctor = await system.NewMemberAsync("fhir-down-doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        var pulse = Vitals.Pulse(record, 71);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();
        using var patientFhir = new HttpClient(patient.CreateFhirHandler()) { BaseAddress = system.Endpoints.Fhir, Timeout = Timeout.InfiniteTimeSpan };
        using var doctorFhir = new HttpClient(doctor.CreateFhirHandler()) { BaseAddress = system.Endpoints.Fhir, Timeout = Timeout.InfiniteTimeSpan };

        // A 5xx: the doctor's first read of the pulse needs the SRS's re-encryption, and the SRS is gone.
        system.Srs.Crash();
        try
        {
            await Should.ThrowAsync<FhirServerUnavailableException>(() => doctorFhir.GetAsync("Observation/" + pulse.Id));
        }
        finally
        {
            await system.Srs.StartAsync();
        }

        system.FhirServer.Crash();
        try
        {
            await Should.ThrowAsync<FhirServerUnavailableException>(() => patientFhir.GetAsync("Observation/" + pulse.Id));
        }
        finally
        {
            await system.FhirServer.StartAsync();
        }
    }

    [Fact]
    public async Task Given_a_service_that_accepts_but_never_answers_When_the_time_limit_passes_Then_the_service_is_unavailable()
    {
        using var patient = await system.NewPatientAsync("silent");
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/fhir/");
        using var fhir = new HttpClient(patient.CreateFhirHandler(TimeSpan.FromSeconds(1))) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };

        var failure = await Should.ThrowAsync<FhirServerUnavailableException>(() => fhir.GetAsync("Observation"));
        failure.Message.ShouldContain("in time");
    }

    private static string[] Audiences(string token) => [.. new JsonWebToken(token).Audiences];
}
