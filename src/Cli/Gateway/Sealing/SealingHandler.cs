using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;

namespace SeSPHR.Cli.Gateway.Sealing;

/// <summary>
/// The gateway's side of the trust line as an HTTP handler towards the FhirServer: request bodies
/// leave sealed (with client-chosen ids, <see cref="ClientChosenIds"/>), response bodies come back
/// opened (<see cref="RecordLens"/>). Above it the gateway speaks plain FHIR; below it only what the
/// cloud may hold goes over the wire.
/// </summary>
internal sealed class SealingHandler(RecordLens lens, Uri fhirBase) : DelegatingHandler
{
    private const string FhirJson = "application/fhir+json";
    private static readonly FhirJsonSerializer Serializer = new();

    // No validation on read: the FhirServer's masked placeholders must parse, and the app sees what was stored.
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null && IsJson(request.Content.Headers.ContentType))
        {
            await SealBodyAsync(request, cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (IsJson(response.Content.Headers.ContentType))
        {
            await OpenBodyAsync(response, cancellationToken);
        }

        return response;
    }

    private async System.Threading.Tasks.Task SealBodyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var resource = Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
        var path = fhirBase.MakeRelativeUri(request.RequestUri!).OriginalString.Split('?')[0].Trim('/');
        if (resource is Bundle { Type: Bundle.BundleType.Transaction or Bundle.BundleType.Batch } bundle && path.Length == 0)
        {
            ClientChosenIds.Assign(bundle, fhirBase);
            foreach (var entry in bundle.Entry)
            {
                if (entry.Resource is { } entryResource)
                {
                    entry.Resource = await lens.SealAsync(entryResource);
                }
            }
        }
        else if (request.Method == HttpMethod.Post && path == resource.TypeName)
        {
            resource.Id = ClientChosenIds.NewId();
            request.Method = HttpMethod.Put;
            request.RequestUri = new Uri(fhirBase, $"{resource.TypeName}/{resource.Id}");
            resource = await lens.SealAsync(resource);
        }
        else if (request.Method == HttpMethod.Put)
        {
            if (path != $"{resource.TypeName}/{resource.Id}")
            {
                throw new GatewayRequestException(StatusCodes.Status400BadRequest, "The resource's type and id must be those of the URL it is PUT to.");
            }

            resource = await lens.SealAsync(resource);
        }

        request.Content = new StringContent(Serializer.SerializeToString(resource), Encoding.UTF8, FhirJson);
    }

    private async System.Threading.Tasks.Task OpenBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length == 0)
        {
            return;
        }

        Resource resource;
        try
        {
            resource = Deserializer.DeserializeResource(text);
        }
        catch (Exception failure) when (IsNotFhirJson(failure))
        {
            throw new GatewayRequestException(StatusCodes.Status502BadGateway, "The FhirServer answered with something that is not FHIR JSON.");
        }

        if (resource is Bundle bundle)
        {
            var withResources = bundle.Entry.Where(e => e.Resource is not null).ToList();
            var opened = await lens.OpenAsync([.. withResources.Select(e => e.Resource!)]);
            for (var i = 0; i < withResources.Count; i++)
            {
                withResources[i].Resource = opened[i];
            }
        }
        else
        {
            resource = (await lens.OpenAsync([resource]))[0];
        }

        var headers = response.Content.Headers;
        var content = new StringContent(Serializer.SerializeToString(resource), Encoding.UTF8, FhirJson);
        foreach (var header in headers.Where(h => h.Key is not ("Content-Type" or "Content-Length")))
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = content;
    }

    private static Resource Parse(string body)
    {
        try
        {
            return Deserializer.DeserializeResource(body);
        }
        catch (Exception failure) when (IsNotFhirJson(failure))
        {
            throw new GatewayRequestException(StatusCodes.Status400BadRequest, "The request body is not a FHIR R4 resource in JSON.");
        }
    }

    private static bool IsNotFhirJson(Exception failure) => failure is FormatException or DeserializationFailedException or JsonException;

    private static bool IsJson(MediaTypeHeaderValue? type) => type?.MediaType is { } media && media.EndsWith("json", StringComparison.OrdinalIgnoreCase);
}
