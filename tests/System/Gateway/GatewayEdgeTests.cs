using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Cli.Gateway;
using SeSPHR.Client.Accounts;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// The gateway as the trusted edge on the user's machine: it answers no one without its token,
/// will not listen beyond loopback unless told, and fails as FHIR (an OperationOutcome with a
/// status an app can act on) without a stack trace or a protected value.
/// </summary>
[Collection(GatewaySceneGroup.Name)]
public sealed class GatewayEdgeTests(GatewayScene scene)
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    public static TheoryData<string?> NotTheToken => new() { null, "Bearer ", "Bearer wrong", "Basic Zm9vOmJhcg==", "Bearer {token}x" };

    [Theory]
    [MemberData(nameof(NotTheToken))]
    public async Task Given_a_request_without_the_gateway_token_When_it_reads_the_record_Then_it_gets_401_with_an_OperationOutcome(string? authorization)
    {
        using var http = new HttpClient { BaseAddress = scene.Base };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"Patient/{scene.Source.OfType<Patient>().Single().Id}");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization.Replace("{token}", scene.Token, StringComparison.Ordinal));
        }

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        var body = await response.Content.ReadAsStringAsync();
        Deserializer.DeserializeResource(body).ShouldBeOfType<OperationOutcome>();
        body.ShouldNotContain(scene.Source.OfType<Patient>().Single().Name[0].Family!);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0/fhir")]
    [InlineData("http://192.0.2.10:8090/fhir")]
    [InlineData("http://[::]:0/fhir")]
    [InlineData("http://example.org:8090/fhir")]
    public void Given_a_non_loopback_listen_address_When_the_gateway_is_built_without_allow_remote_Then_it_refuses_to_bind(string listen)
    {
        Should.Throw<GatewaySettingsException>(() => GatewayHost.Build(scene.Account, new GatewaySettings(new Uri(listen)), GatewayToken.Create()));
    }

    [Fact]
    public async Task Given_allow_remote_When_the_gateway_binds_to_every_address_Then_it_listens_and_still_wants_its_token()
    {
        await using var app = GatewayHost.Build(scene.Account, new GatewaySettings(new Uri("http://0.0.0.0:0/fhir"), AllowRemote: true), GatewayToken.Create());
        await app.StartAsync();
        var port = new Uri(app.Urls.Single()).Port;
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/fhir/metadata"));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Given_the_FhirServer_cannot_be_reached_When_an_app_reads_through_the_gateway_Then_it_gets_502_with_an_OperationOutcome()
    {
        var nowhere = new SystemEndpoints(scene.System.Endpoints.Srs, new Uri("http://127.0.0.1:9/fhir/"));
        using var user = await PhrUser.SignInAsync(nowhere, scene.Patient.Username, PasswordOf(scene), scene.Patient.Role, scene.Patient.FhirUser);
        var token = GatewayToken.Create();
        var (app, gatewayBase) = await GatewayScene.StartAsync(new GatewayUser(user, scene.System.JournalFolder(scene.Patient)), token);
        await using var _ = app;
        using var http = Authorised(gatewayBase, token.Value);

        using var response = await http.GetAsync("Observation?_count=1");

        response.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        var body = await response.Content.ReadAsStringAsync();
        Deserializer.DeserializeResource(body).ShouldBeOfType<OperationOutcome>();
        body.ShouldNotContain("   at ");
    }

    [Theory]
    [InlineData("Observation", "{ not json", HttpStatusCode.BadRequest)]
    [InlineData("", "{ not json", HttpStatusCode.BadRequest)]
    [InlineData("Basic", """{ "resourceType": "Basic", "code": { "text": "gateway-secret" } }""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("", """{ "resourceType": "Bundle", "type": "transaction", "entry": [ { "resource": { "resourceType": "Basic", "code": { "text": "gateway-secret" } }, "request": { "method": "POST", "url": "Basic" } } ] }""", HttpStatusCode.UnprocessableEntity)]
    public async Task Given_a_body_the_gateway_cannot_seal_When_an_app_writes_it_Then_it_gets_a_4xx_OperationOutcome_and_nothing_reaches_the_FhirServer(string path, string body, HttpStatusCode expected)
    {
        using var http = Authorised(scene.Base, scene.Token);
        using var content = new StringContent(body, Encoding.UTF8, "application/fhir+json");

        using var response = await http.PostAsync(path, content);

        response.StatusCode.ShouldBe(expected);
        Deserializer.DeserializeResource(await response.Content.ReadAsStringAsync()).ShouldBeOfType<OperationOutcome>();
        scene.System.FhirServer.ReadLog().ShouldNotContain("gateway-secret");
    }

    [Fact]
    public async Task Given_the_gateway_When_an_app_asks_for_metadata_Then_it_describes_only_what_it_passes_on()
    {
        using var http = Authorised(scene.Base, scene.Token);

        var statement = (CapabilityStatement)Deserializer.DeserializeResource(await http.GetStringAsync("metadata"));

        statement.Software!.Name.ShouldBe("sesphr gateway");
        statement.Implementation!.Url.ShouldBe(scene.Base.ToString().TrimEnd('/'));
        var resources = statement.Rest.Single().Resource;
        resources.ShouldContain(r => r.Type == "Observation");
        resources.ShouldNotContain(r => r.Type == "Basic");
        resources.Single(r => r.Type == "Observation").ConditionalCreate.ShouldBe(false);
    }

    private static HttpClient Authorised(Uri gatewayBase, string token)
    {
        var http = new HttpClient { BaseAddress = gatewayBase };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static string PasswordOf(GatewayScene scene) => scene.PatientPassword;
}
