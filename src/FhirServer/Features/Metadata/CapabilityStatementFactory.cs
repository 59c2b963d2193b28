using System.Reflection;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Authentication;
using SeSPHR.FhirServer.Features.Operations;
using SeSPHR.FhirServer.Features.Operations.Patch;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Features.Metadata;

/// <summary>Builds the CapabilityStatement from the registries that route requests.</summary>
public sealed class CapabilityStatementFactory(ResourceRegistry registry, OperationRegistry operations, SearchParameterRegistry searchParameters, TimeProvider clock)
{
    /// <summary>R5's <c>CapabilityStatement.rest.resource.conditionalPatch</c> as its cross-version extension: R4 has no element for it.</summary>
    public const string ConditionalPatchExtension = "http://hl7.org/fhir/5.0/StructureDefinition/extension-CapabilityStatement.rest.resource.conditionalPatch";

    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();

    public CapabilityStatement Create(string baseUrl, SmartEndpoints? smart = null)
    {
        var version = typeof(CapabilityStatementFactory).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var rest = new CapabilityStatement.RestComponent { Mode = CapabilityStatement.RestfulCapabilityMode.Server };
        foreach (var type in registry.ResourceTypes)
        {
            var interactions = registry.InteractionsOf(type);
            var component = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Versioning = CapabilityStatement.ResourceVersionPolicy.Versioned,
                ReadHistory = true,
                UpdateCreate = true,
                ConditionalCreate = interactions.Contains(FhirInteraction.ConditionalCreate),
                ConditionalUpdate = interactions.Contains(FhirInteraction.ConditionalUpdate),
                ConditionalDelete = interactions.Contains(FhirInteraction.ConditionalDelete)
                    ? CapabilityStatement.ConditionalDeleteStatus.Single
                    : CapabilityStatement.ConditionalDeleteStatus.NotSupported,
                SearchInclude = searchParameters.For(type).Where(p => p.Type == SearchParamType.Reference).Select(p => $"{type}:{p.Name}").Order(StringComparer.Ordinal).ToList(),
                SearchRevInclude = [],
            };
            component.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = "_id", Type = SearchParamType.Token });
            component.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = "_lastUpdated", Type = SearchParamType.Date });
            foreach (var parameter in searchParameters.For(type).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                component.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = parameter.Name, Type = parameter.Type });
            }

            foreach (var interaction in interactions.Order())
            {
                if (ToCode(interaction) is { } code)
                {
                    component.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = code });
                }
            }

            if (interactions.Contains(FhirInteraction.ConditionalPatch))
            {
                component.Extension.Add(new Extension(ConditionalPatchExtension, new FhirBoolean(true)));
            }

            foreach (var operation in operations.OperationsOf(type))
            {
                component.Operation.Add(new CapabilityStatement.OperationComponent { Name = operation.Name, Definition = operation.Definition });
            }

            rest.Resource.Add(component);
        }

        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction });
        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch });
        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.HistorySystem });
        if (smart is not null)
        {
            rest.Security = Security(smart);
        }

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = _startedAt.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
            Publisher = "SeSPHR",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "SeSPHR FhirServer", Version = version },
            Implementation = new CapabilityStatement.ImplementationComponent
            {
                Description = "SeSPHR: personal health records encrypted per section, shared through FHIR Consent",
                Url = baseUrl,
            },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = [FhirFormats.JsonMediaType, FhirFormats.XmlMediaType, "json", "xml"],
            PatchFormat = [JsonPatch.MediaType, FhirFormats.JsonMediaType, FhirFormats.XmlMediaType],
            Rest = [rest],
        };
    }

    /// <summary>SMART App Launch: the service coding and the oauth-uris extension naming the SRS's endpoints.</summary>
    private static CapabilityStatement.SecurityComponent Security(SmartEndpoints smart)
    {
        var uris = new Extension { Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris" };
        uris.Extension.Add(new Extension("authorize", new FhirUri(smart.Authorization)));
        uris.Extension.Add(new Extension("token", new FhirUri(smart.Token)));
        return new CapabilityStatement.SecurityComponent
        {
            Cors = true,
            Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
            Description = "OAuth 2.0 bearer tokens from the SeSPHR SRS (SMART App Launch; discovery at .well-known/smart-configuration).",
            Extension = [uris],
        };
    }

    /// <summary>The interaction code; null for the conditional interactions, which are flags of the resource.</summary>
    private static CapabilityStatement.TypeRestfulInteraction? ToCode(FhirInteraction interaction) => interaction switch
    {
        FhirInteraction.Read => CapabilityStatement.TypeRestfulInteraction.Read,
        FhirInteraction.Vread => CapabilityStatement.TypeRestfulInteraction.Vread,
        FhirInteraction.Update => CapabilityStatement.TypeRestfulInteraction.Update,
        FhirInteraction.Delete => CapabilityStatement.TypeRestfulInteraction.Delete,
        FhirInteraction.HistoryInstance => CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
        FhirInteraction.HistoryType => CapabilityStatement.TypeRestfulInteraction.HistoryType,
        FhirInteraction.Create => CapabilityStatement.TypeRestfulInteraction.Create,
        FhirInteraction.SearchType => CapabilityStatement.TypeRestfulInteraction.SearchType,
        FhirInteraction.Patch => CapabilityStatement.TypeRestfulInteraction.Patch,
        FhirInteraction.ConditionalCreate or FhirInteraction.ConditionalUpdate or FhirInteraction.ConditionalDelete or FhirInteraction.ConditionalPatch => null,
        _ => throw new ArgumentOutOfRangeException(nameof(interaction), interaction, null),
    };
}
