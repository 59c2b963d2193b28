using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// The SRS replaces its signing key on a schedule: the FhirServer, which caches the SRS's JWKS,
/// fetches it again when a token names a key it does not know, and accepts that token at once.
/// </summary>
public sealed class SigningKeyRotationTests(AccessServerFixture server) : IClassFixture<AccessServerFixture>
{
    private static readonly TestUser Doctor = AccessData.Doctor;

    [Fact]
    public async Task Given_a_cached_JWKS_When_a_token_is_signed_by_a_key_the_SRS_published_since_Then_it_is_accepted_at_once()
    {
        using (var before = server.As(Doctor))
            (await before.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var successor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var successorKey = new ECDsaSecurityKey(successor) { KeyId = "test-key-successor" };
        server.Issuer.AlsoPublished.Enqueue(successorKey);
        var token = server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint, signWith: successorKey);

        using var after = server.Client(token);
        (await after.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var oldKey = server.As(Doctor);
        (await oldKey.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Tokens naming made-up key ids do not make the FhirServer fetch the SRS's keys for each.</summary>
public sealed class UnknownSigningKeyTests(AccessServerFixture server) : IClassFixture<AccessServerFixture>
{
    private static readonly TestUser Doctor = AccessData.Doctor;

    [Fact]
    public async Task Given_tokens_naming_keys_nobody_published_When_many_arrive_Then_each_is_refused_and_the_JWKS_is_not_fetched_for_each()
    {
        using (var before = server.As(Doctor))
            (await before.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var fetchesBefore = server.Issuer.JwksRequests;

        for (var i = 0; i < 20; i++)
        {
            using var forged = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var token = server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint,
                signWith: new ECDsaSecurityKey(forged) { KeyId = $"forged-{i}" });
            using var client = server.Client(token);
            (await client.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (server.Issuer.JwksRequests - fetchesBefore).ShouldBeLessThanOrEqualTo(2);
    }
}
