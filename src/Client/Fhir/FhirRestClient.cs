using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.Client.Fhir;

/// <summary>What the FhirServer answered: the status, the raw body (for leak checks) and the parsed resource if any.</summary>
public sealed record FhirResponse(HttpStatusCode Status, string Body, Resource? Resource)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public T As<T>()
        where T : Resource =>
        Resource as T ?? throw new InvalidOperationException($"Expected a {typeof(T).Name}, got {(int)Status} {Resource?.TypeName ?? "no resource"}.");

    /// <summary>The resources of a searchset/history/batch-response bundle (entry.resource), in order.</summary>
    public IReadOnlyList<Resource> Entries() =>
        Resource is Bundle bundle ? bundle.Entry.Select(e => e.Resource).OfType<Resource>().ToList() : [];
}

/// <summary>
/// FHIR REST calls as any FHIR client makes them (<c>application/fhir+json</c>) with the user's bearer
/// token; the token is asked for on every request, so a refresh takes effect at once.
/// </summary>
public sealed class FhirRestClient(Uri fhirBase, Func<string?> accessToken) : IDisposable
{
    private const string FhirJsonMediaType = "application/fhir+json";

    private static readonly FhirJsonSerializer Serializer = new();

    // No validation on read: the client must see what the server sent, masked placeholders included.
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    private readonly HttpClient _http = new() { BaseAddress = fhirBase, Timeout = TimeSpan.FromSeconds(60) };

    public Task<FhirResponse> ReadAsync(string type, string id) => SendAsync(HttpMethod.Get, $"{type}/{id}");

    public Task<FhirResponse> VReadAsync(string type, string id, string versionId) => SendAsync(HttpMethod.Get, $"{type}/{id}/_history/{versionId}");

    public Task<FhirResponse> HistoryAsync(string type, string id) => SendAsync(HttpMethod.Get, $"{type}/{id}/_history");

    /// <summary>GET <c>{type}?{query}</c>; the query is passed as written (callers escape values).</summary>
    public Task<FhirResponse> SearchAsync(string type, string query) => SendAsync(HttpMethod.Get, $"{type}?{query}");

    public Task<FhirResponse> EverythingAsync(string patientId) => SendAsync(HttpMethod.Get, $"Patient/{patientId}/$everything");

    /// <summary>PUT with the client-chosen id (the id the envelopes are bound to).</summary>
    public Task<FhirResponse> PutAsync(Resource resource) =>
        SendAsync(HttpMethod.Put, $"{resource.TypeName}/{resource.Id ?? throw new ArgumentException("PUT needs the resource's id.", nameof(resource))}", resource);

    public Task<FhirResponse> DeleteAsync(string type, string id) => SendAsync(HttpMethod.Delete, $"{type}/{id}");

    /// <summary>POST a transaction or batch bundle to the base.</summary>
    public Task<FhirResponse> TransactionAsync(Bundle bundle) => SendAsync(HttpMethod.Post, "", bundle);

    public async Task<FhirResponse> SendAsync(HttpMethod method, string relativePath, Resource? body = null)
    {
        using var request = new HttpRequestMessage(method, relativePath);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(FhirJsonMediaType));
        if (accessToken() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(Serializer.SerializeToString(body), Encoding.UTF8, FhirJsonMediaType);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Resource? resource = null;
        if (text.Length > 0 && text.TrimStart().StartsWith('{'))
        {
            try
            {
                resource = Deserializer.DeserializeResource(text);
            }
            catch (Exception ex) when (ex is FormatException or DeserializationFailedException)
            {
                // Not FHIR JSON (e.g. a proxy's error page): the raw body is still there to look at.
            }
        }

        return new FhirResponse(response.StatusCode, text, resource);
    }

    public void Dispose() => _http.Dispose();
}
