using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SeSPHR.FhirServer.Tests.Infrastructure;

/// <summary>Small helpers for writing FHIR requests and reading responses in tests.</summary>
public static class FhirHttp
{
    public static StringContent Json(string json, string mediaType = "application/fhir+json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));

    public static async Task<JsonElement> BodyAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The first issue's code of an OperationOutcome body; fails when it is not one.</summary>
    public static async Task<string> OutcomeCodeAsync(this HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/fhir+json");
        var body = await response.BodyAsync();
        body.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        return body.GetProperty("issue")[0].GetProperty("code").GetString()!;
    }
}
