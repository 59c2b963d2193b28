using System.Net;
using System.Security.Cryptography;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>
/// A system signed in with its private key (SMART Backend Services) sees through the FhirServer
/// exactly what the service account it acts for may see: the sections a patient granted that
/// account, nothing of another patient, and it writes nothing with read scopes.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SystemSignInTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_an_insurer_system_with_a_registered_key_When_it_signs_in_Then_it_reads_what_its_service_account_may_read_and_nothing_more()
    {
        using var account = await system.NewMemberAsync("claims-service", SrsRoles.Insurer);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientId = "claims-" + Guid.NewGuid().ToString("N")[..8];
        await system.Admin.Srs.RegisterClientAsync(
            new ClientRegistrationRequest(clientId, SystemAccount.PublicJwks(key, "k1"), Guid.Parse(account.RequireUserId), ["system/*.rs"]),
            await system.Admin.GetSrsAccessTokenAsync());

        using var patient = await system.NewPatientAsync("insured");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        await grants.GrantAsync(account.FhirUser, account.Keys.Fingerprint, [PhrSection.Vitals]);
        var granted = Vitals.Pulse(record, 58);
        (await record.WriteAsync(granted)).IsSuccess.ShouldBeTrue();
        using var stranger = await system.NewPatientAsync("uninsured");
        var strangerRecord = new PatientRecord(stranger, PatientGrants.Open(stranger, system.JournalFolder(stranger)).Book);
        var ungranted = Vitals.Pulse(strangerRecord, 99);
        (await strangerRecord.WriteAsync(ungranted)).IsSuccess.ShouldBeTrue();

        using var claims = await SystemAccount.SignInAsync(system.Endpoints, clientId, key, "k1", "system/*.rs");

        var asSystem = await claims.Fhir.ReadAsync("Observation", granted.Id!);
        var asAccount = await account.Fhir.ReadAsync("Observation", granted.Id!);
        asSystem.Status.ShouldBe(HttpStatusCode.OK, asSystem.Body);
        asAccount.Status.ShouldBe(HttpStatusCode.OK, asAccount.Body);
        var other = await claims.Fhir.ReadAsync("Observation", ungranted.Id!);
        other.IsSuccess.ShouldBeFalse("the system read a patient who granted its service account nothing");
        (await account.Fhir.ReadAsync("Observation", ungranted.Id!)).Status.ShouldBe(other.Status);
        var write = await claims.Fhir.PutAsync(Vitals.Pulse(record, 120));
        write.IsSuccess.ShouldBeFalse("a system with read scopes wrote into a record");
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(await claims.GetAccessTokenAsync()).Audiences.ShouldBe(["sesphr-fhir"]);
    }

    [Fact]
    public async Task Given_a_key_the_client_did_not_register_When_a_system_signs_in_Then_SignInRefusedException()
    {
        using var account = await system.NewMemberAsync("rogue-service", SrsRoles.Insurer);
        using var registered = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientId = "rogue-" + Guid.NewGuid().ToString("N")[..8];
        await system.Admin.Srs.RegisterClientAsync(
            new ClientRegistrationRequest(clientId, SystemAccount.PublicJwks(registered, "k1"), Guid.Parse(account.RequireUserId), ["system/*.rs"]),
            await system.Admin.GetSrsAccessTokenAsync());

        await Should.ThrowAsync<SignInRefusedException>(() => SystemAccount.SignInAsync(system.Endpoints, clientId, other, "k1", "system/*.rs"));
        await Should.ThrowAsync<SignInRefusedException>(() => SystemAccount.SignInAsync(system.Endpoints, clientId, registered, "k1", "system/*.cruds"));
    }
}
