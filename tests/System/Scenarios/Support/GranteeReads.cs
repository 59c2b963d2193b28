using SeSPHR.Phr.Sections;
using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Reading;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>A grantee reading one resource of a patient's record through the FhirServer and opening it, with a failure that says which part of the system did not do its share.</summary>
public static class GranteeReads
{
    public static async Task<OpenedResource> ReadAndOpenAsync(this GranteeReader reader, PhrUser grantee, string patientFhirUser, string type, string id)
    {
        var served = await grantee.Fhir.ReadAsync(type, id);
        served.Status.ShouldBe(HttpStatusCode.OK, $"{grantee.Role} reading granted {type}/{id}: {Snippet(served)}");
        var resource = served.Resource.ShouldNotBeNull($"{type}/{id} came back without a resource");
        ServedResource.HasCfrag(resource).ShouldBeTrue(
            $"the FhirServer served granted {type}/{id} without cfrags: Consent enforcement with re-encryption at the SRS (branches fhir-access and srs-grants) is not working in this build");
        return reader.Open(patientFhirUser, resource);
    }

    public static string Snippet(FhirResponse response) => response.Body.Length > 300 ? response.Body[..300] : response.Body;
}

/// <summary>A stored resource as its owner reads it back: its version and the bytes of each sealed section.</summary>
public sealed record StoredState(string? VersionId, IReadOnlyDictionary<string, string> EnvelopesHex)
{
    public static StoredState Of(Resource resource) => new(
        resource.Meta?.VersionId,
        Phr.Envelopes.EncryptedSectionExtension.ReadAll((DomainResource)resource)
            .ToDictionary(s => s.Section.ToCode(), s => Convert.ToHexStringLower(s.Envelope)));

    public static async Task<StoredState> ReadAsync(PhrUser owner, string type, string id)
    {
        var response = await owner.Fhir.ReadAsync(type, id);
        response.Status.ShouldBe(HttpStatusCode.OK, $"the owner reading {type}/{id}: {GranteeReads.Snippet(response)}");
        return Of(response.Resource!);
    }
}
