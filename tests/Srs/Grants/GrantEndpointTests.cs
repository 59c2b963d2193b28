using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// The HTTP handlers as the endpoints run them, with their answers written to a response: bad input
/// is a problem+json 4xx naming the field, never an exception, and never echoes key material.
/// </summary>
public sealed class GrantEndpointTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;
    private readonly TestUser _doctor;

    public GrantEndpointTests(GrantsDatabase fixture)
    {
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
        _doctor = _bed.Practitioner();
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_a_valid_upload_When_posted_Then_202_with_the_count()
    {
        var (status, _, body) = await UploadAsync(ValidUpload());

        status.ShouldBe(StatusCodes.Status202Accepted);
        body.GetProperty("accepted").GetInt32().ShouldBe(1);
    }

    public static TheoryData<string, string> BadUploads => new()
    {
        { "grantStatement", "not base64!" },
        { "delegatingPublicKey", Convert.ToBase64String([0x02, .. Enumerable.Repeat((byte)0xFF, 32)]) },
        { "delegatingPublicKey", Convert.ToBase64String(new byte[32]) },
        { "kfrag", Convert.ToBase64String(new byte[KeyFrag.SerializedSize]) },
        { "section", "genome" },
        { "granteeId", "doctor" },
        { "consentId", "Consent/has space" },
        { "start", "yesterday" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Given_one_malformed_field_When_uploaded_Then_problem_json_400_naming_it(string field, string value)
    {
        var request = ValidUpload();
        request = field switch
        {
            "grantStatement" => request with { GrantStatement = value },
            "consentId" => request with { ConsentId = value },
            _ => request with { Kfrags = [WithField(request.Kfrags![0], field, value)] },
        };

        var (status, contentType, body) = await UploadAsync(request);

        status.ShouldBe(StatusCodes.Status400BadRequest);
        contentType.ShouldStartWith("application/problem+json");
        body.GetProperty("title").GetString().ShouldNotBeNull().ShouldContain(field);
    }

    [Fact]
    public async Task Given_a_forged_kfrag_When_uploaded_Then_problem_json_422_without_the_kfrag_bytes()
    {
        var request = ValidUpload(signer: new Signer(SecretKey.Random()));

        var (status, contentType, body) = await UploadAsync(request);

        status.ShouldBe(StatusCodes.Status422UnprocessableEntity);
        contentType.ShouldStartWith("application/problem+json");
        body.GetRawText().ShouldNotContain(request.Kfrags![0].Kfrag![..24]);
    }

    [Fact]
    public async Task Given_more_than_1000_items_When_reencryption_is_asked_Then_problem_json_400()
    {
        var items = Enumerable.Range(0, GrantLimits.MaxReencryptItems + 1).Select(i => new ReencryptItem($"r{i}", "Patient/p1", "vitals", 0, "AAAA")).ToList();

        var (status, contentType, body) = await ReencryptAsync(new ReencryptRequest(_doctor.Id.ToString(), items));

        status.ShouldBe(StatusCodes.Status400BadRequest);
        contentType.ShouldStartWith("application/problem+json");
        body.GetProperty("title").GetString().ShouldNotBeNull().ShouldContain("1000");
    }

    [Fact]
    public async Task Given_an_unknown_section_in_one_item_When_reencryption_is_asked_Then_problem_json_400()
    {
        var (status, _, _) = await ReencryptAsync(new ReencryptRequest(_doctor.Id.ToString(), [new ReencryptItem("r", "Patient/p1", "genome", 0, "AAAA")]));

        status.ShouldBe(StatusCodes.Status400BadRequest);
    }

    [Fact]
    public async Task Given_a_capsule_that_is_not_base64_When_reencryption_is_asked_Then_that_item_is_bad_capsule_and_the_rest_answered()
    {
        await _bed.UploadAsync(_patient, "Consent/e1", _bed.Statement(_patient, 1, [("vitals", 0)], [(_doctor, "vitals", null)]),
            _bed.Kfrag(_patient, _doctor, "vitals", 0));
        await _bed.ReconcileAsync("Consent/e1", _patient, new ConsentGrant(_doctor.Entry.FhirUser, null, "vitals", true, null, null));
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 0, [42]);

        var (status, _, body) = await ReencryptAsync(new ReencryptRequest(_doctor.Id.ToString(),
        [
            new ReencryptItem("bad", _patient.Entry.FhirUser, "vitals", 0, "%%%"),
            new ReencryptItem("good", _patient.Entry.FhirUser, "vitals", 0, Convert.ToBase64String(capsule.ToBytes())),
        ]));

        status.ShouldBe(StatusCodes.Status200OK);
        var items = body.GetProperty("items");
        items[0].GetProperty("refused").GetString().ShouldBe(ReencryptionOutcomes.BadCapsule);
        items[0].TryGetProperty("cfrag", out _).ShouldBeFalse();
        items[1].GetProperty("cfrag").GetString().ShouldNotBeNullOrEmpty();
        items[1].TryGetProperty("refused", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_bare_consent_id_in_the_path_When_reconciled_Then_it_names_the_uploaded_Consent()
    {
        await _bed.UploadAsync(_patient, "Consent/bare1", _bed.Statement(_patient, 1, [("vitals", 0)], [(_doctor, "vitals", null)]),
            _bed.Kfrag(_patient, _doctor, "vitals", 0));

        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.ReconcileAsync("bare1", new ReconcileRequest(_patient.Entry.FhirUser,
            [new ReconcileGrantItem(_doctor.Entry.FhirUser, null, "vitals", ["read"], null, null)]),
            new ReconcileRequestValidator(), scope.ServiceProvider.GetRequiredService<GrantReconciler>(), CancellationToken.None);
        var (status, _, body) = await ExecuteAsync(result, scope.ServiceProvider);

        status.ShouldBe(StatusCodes.Status200OK);
        body.GetProperty("active").GetInt32().ShouldBe(1);
        (await _bed.ListAsync(_patient, "Consent/bare1")).ShouldHaveSingleItem().State.ShouldBe("active");
    }

    [Theory]
    [InlineData("Consent/c1")]
    [InlineData("../c1")]
    public async Task Given_a_path_that_is_not_a_bare_id_or_a_bad_grant_When_reconciled_Then_400(string consentId)
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.ReconcileAsync(consentId.Replace("Consent/", "Consent%2F", StringComparison.Ordinal), new ReconcileRequest("Patient/p1", []),
            new ReconcileRequestValidator(), scope.ServiceProvider.GetRequiredService<GrantReconciler>(), CancellationToken.None);

        (await ExecuteAsync(result, scope.ServiceProvider)).Status.ShouldBe(StatusCodes.Status400BadRequest);
    }

    [Fact]
    public async Task Given_a_grant_naming_both_a_grantee_and_a_role_When_reconciled_Then_400()
    {
        var validation = await new ReconcileRequestValidator().ValidateAsync(new ReconcileRequest("Patient/p1",
            [new ReconcileGrantItem("Practitioner/doc", "practitioner", "vitals", ["read"], null, null)]));

        validation.IsValid.ShouldBeFalse();
    }

    [Theory]
    [InlineData("application/json", "{not json", StatusCodes.Status400BadRequest)]
    [InlineData("application/json", "{\"granteeId\": \"x\", \"items\": [{\"epoch\": \"three\"}]}", StatusCodes.Status400BadRequest)]
    [InlineData("text/plain", "{}", StatusCodes.Status415UnsupportedMediaType)]
    public async Task Given_a_body_that_is_not_json_of_the_shape_When_posted_Then_problem_json_without_echoing_it(string contentType, string body, int expected)
    {
        var context = new DefaultHttpContext { RequestServices = _bed.Services };
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
        var handled = false;

        var result = await GrantEndpoints.WithJsonBodyAsync<ReencryptRequest>(context.Request, _ =>
        {
            handled = true;
            return Task.FromResult(Results.Ok());
        });
        var (status, answeredType, problem) = await ExecuteAsync(result, _bed.Services);

        handled.ShouldBeFalse();
        status.ShouldBe(expected);
        answeredType.ShouldStartWith("application/problem+json");
        problem.GetRawText().ShouldNotContain("three");
    }

    private GrantUploadRequest ValidUpload(Signer? signer = null)
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var kfrag = _bed.Kfrag(_patient, _doctor, "vitals", 3, signer: signer);
        return new GrantUploadRequest("Consent/c1", Convert.ToBase64String(statement.SignedHeader), [.. statement.Openings.Select(Convert.ToBase64String)],
        [
            new KfragUploadItem(kfrag.Section, kfrag.Epoch, kfrag.GranteeId.ToString(), Convert.ToBase64String(kfrag.DelegatingPublicKey),
                Convert.ToBase64String(kfrag.KeyFrag), kfrag.Start.ToString("O"), null),
        ]);
    }

    private static KfragUploadItem WithField(KfragUploadItem item, string field, string value) => field switch
    {
        "delegatingPublicKey" => item with { DelegatingPublicKey = value },
        "kfrag" => item with { Kfrag = value },
        "section" => item with { Section = value },
        "granteeId" => item with { GranteeId = value },
        "start" => item with { Start = value },
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    private async Task<(int Status, string ContentType, JsonElement Body)> UploadAsync(GrantUploadRequest request)
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.UploadAsync(
            request, new GrantUploadRequestValidator(), scope.ServiceProvider.GetRequiredService<GrantService>(), Caller(_patient), CancellationToken.None);
        return await ExecuteAsync(result, scope.ServiceProvider);
    }

    private async Task<(int Status, string ContentType, JsonElement Body)> ReencryptAsync(ReencryptRequest request)
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.ReencryptAsync(
            request, new ReencryptRequestValidator(), scope.ServiceProvider.GetRequiredService<ReencryptionService>(), CancellationToken.None);
        return await ExecuteAsync(result, scope.ServiceProvider);
    }

    private static ClaimsPrincipal Caller(TestUser user) => new(new ClaimsIdentity([new Claim("sub", user.Id.ToString())], "test"));

    private static async Task<(int Status, string ContentType, JsonElement Body)> ExecuteAsync(IResult result, IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        body.Position = 0;
        using var json = await JsonDocument.ParseAsync(body);
        return (context.Response.StatusCode, context.Response.ContentType ?? "", json.RootElement.Clone());
    }
}
