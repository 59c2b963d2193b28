using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.SystemTests.Sdk.Fhir;

/// <summary>
/// A dishonest cloud between the SDK and the real FhirServer: it hands every FHIR answer to
/// <see cref="Alter"/> before the SDK sees it, as an operator who rewrites the database or the server
/// could. What the real server answered otherwise passes unchanged.
/// </summary>
public sealed class TamperingServer : DelegatingHandler
{
    private static readonly FhirJsonSerializer Serializer = new();
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings { Validator = null });

    public TamperingServer()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Changes an answer's resource in place (a Bundle for searches); null passes answers unchanged.</summary>
    public Action<Resource>? Alter { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (Alter is { } alter && request.Method == HttpMethod.Get && response.IsSuccessStatusCode)
        {
            var resource = Parser.DeserializeResource(await response.Content.ReadAsStringAsync(cancellationToken));
            alter(resource);
            response.Content = new StringContent(Serializer.SerializeToString(resource), Encoding.UTF8, "application/fhir+json");
        }

        return response;
    }
}
