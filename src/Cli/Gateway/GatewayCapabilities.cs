using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// The gateway's own CapabilityStatement: the FhirServer's, cut down to what the gateway passes on.
/// Only the section policy's resource types (the only ones it can seal and open), no conditional
/// create or update of a protected type (the id is chosen and bound before sealing), JSON only, and
/// the gateway's bearer token as its security. PATCH is kept: it passes when it changes clear,
/// unbound elements only.
/// </summary>
internal sealed class GatewayCapabilities(HttpClient fhirServer, Uri fhirBase)
{
    private static readonly FhirJsonSerializer Serializer = new();
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    private static readonly HashSet<CapabilityStatement.TypeRestfulInteraction> PassedOn =
    [
        CapabilityStatement.TypeRestfulInteraction.Read,
        CapabilityStatement.TypeRestfulInteraction.Vread,
        CapabilityStatement.TypeRestfulInteraction.Update,
        CapabilityStatement.TypeRestfulInteraction.Delete,
        CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
        CapabilityStatement.TypeRestfulInteraction.HistoryType,
        CapabilityStatement.TypeRestfulInteraction.Create,
        CapabilityStatement.TypeRestfulInteraction.SearchType,
        CapabilityStatement.TypeRestfulInteraction.Patch,
    ];

    public async System.Threading.Tasks.Task HandleAsync(HttpContext context, string basePath)
    {
        using var response = await fhirServer.GetAsync(new Uri(fhirBase, "metadata"), context.RequestAborted);
        if (!response.IsSuccessStatusCode)
        {
            throw new FhirServerMetadataException();
        }

        var server = (CapabilityStatement)Deserializer.DeserializeResource(await response.Content.ReadAsStringAsync(context.RequestAborted));
        var own = Describe(server, $"{context.Request.Scheme}://{context.Request.Host}{basePath}");
        context.Response.ContentType = GatewayErrors.FhirJson;
        await context.Response.WriteAsync(Serializer.SerializeToString(own), context.RequestAborted);
    }

    public static CapabilityStatement Describe(CapabilityStatement server, string gatewayBase)
    {
        var rest = server.Rest.FirstOrDefault(r => r.Mode == CapabilityStatement.RestfulCapabilityMode.Server) ?? new CapabilityStatement.RestComponent();
        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "sesphr gateway" },
            Implementation = new CapabilityStatement.ImplementationComponent
            {
                Description = "A SeSPHR record in the clear for the signed-in user: reads are opened on this machine as that user may see them, writes are sealed before they leave it.",
                Url = gatewayBase,
            },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Security = new CapabilityStatement.SecurityComponent
                    {
                        Description = "Every request needs the bearer token the gateway printed, or wrote to its token file, when it started.",
                    },
                    Resource = [.. rest.Resource.Where(r => r.Type is { } type && SectionPolicy.IsSupported(type)).Select(PassedOnFor)],
                    Interaction = [.. rest.Interaction.Where(i => i.Code is CapabilityStatement.SystemRestfulInteraction.Transaction or CapabilityStatement.SystemRestfulInteraction.Batch)],
                },
            ],
        };
    }

    private static CapabilityStatement.ResourceComponent PassedOnFor(CapabilityStatement.ResourceComponent server)
    {
        var passed = (CapabilityStatement.ResourceComponent)server.DeepCopy();
        passed.Interaction = [.. passed.Interaction.Where(i => i.Code is { } code && PassedOn.Contains(code))];
        if (SectionPolicy.For(server.Type!).HasProtectedSection)
        {
            passed.ConditionalCreate = false;
            passed.ConditionalUpdate = false;
        }

        passed.UpdateCreate = true;
        return passed;
    }
}

/// <summary>The FhirServer did not serve its own CapabilityStatement.</summary>
internal sealed class FhirServerMetadataException() : HttpRequestException("The FhirServer did not serve its CapabilityStatement.");
