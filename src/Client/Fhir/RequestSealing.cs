using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The write side of <see cref="SealingFhirHandler"/>: a create (<c>POST [type]</c>) becomes
/// <c>PUT [type]/[new id]</c>, because envelopes are bound to the resource's id and the client must know
/// it before sealing; an update is sealed under the id it names; a transaction or batch Bundle is
/// rewritten and sealed entry by entry (<see cref="TransactionRewriter"/>); a PATCH passes only when it
/// changes clear, unbound elements (<see cref="ClearPatches"/>). Everything else passes unchanged.
/// </summary>
public sealed class RequestSealing(Uri fhirBase, RecordKeyring keyring)
{
    private readonly TransactionRewriter _transactions = new(fhirBase, keyring);

    /// <summary>A new client-chosen logical id (FHIR ids allow 64 of [A-Za-z0-9-.]).</summary>
    public static string NewId() => Guid.NewGuid().ToString("D");

    public async Task SealAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (FhirRoute.Of(fhirBase, request.RequestUri) is not { } route)
        {
            return;
        }

        if (request.Method == HttpMethod.Post && route.IsTypeLevel)
        {
            await CreateAsPutAsync(request, route, cancellationToken);
        }
        else if (request.Method == HttpMethod.Put && route.IsInstanceLevel)
        {
            await SealUpdateAsync(request, route, cancellationToken);
        }
        else if (request.Method == HttpMethod.Put && route.IsTypeLevel)
        {
            throw new SealedRequestNotSupportedException("A conditional update names no id to seal the resource under; update it by its id.");
        }
        else if (request.Method == HttpMethod.Patch && route.ResourceType is { } type)
        {
            await CheckPatchAsync(request, type, cancellationToken);
        }
        else if (request.Method == HttpMethod.Post && route.IsSystemLevel
            && await FhirContent.ReadAsync(request.Content, cancellationToken) is Bundle bundle)
        {
            request.Content = FhirContent.Write(await _transactions.RewriteAsync(bundle, cancellationToken), request.Content);
        }
    }

    private async Task CreateAsPutAsync(HttpRequestMessage request, FhirRoute route, CancellationToken cancellationToken)
    {
        var type = route.ResourceType!;
        if (!SectionPolicy.IsSupported(type) || await FhirContent.ReadAsync(request.Content, cancellationToken) is not { } resource)
        {
            return;
        }

        if (request.Headers.Contains("If-None-Exist"))
        {
            if (SectionPolicy.For(type).HasProtectedSection)
            {
                throw new SealedRequestNotSupportedException($"A conditional create of a {type} cannot be sealed: the server would choose its id. Search first, then create or update.");
            }

            return;
        }

        resource.Id = NewId();
        SealedSectionMarks.Unmark(resource);
        request.Method = HttpMethod.Put;
        request.RequestUri = new Uri(fhirBase, $"{type}/{resource.Id}");
        request.Content = FhirContent.Write(await keyring.SealAsync(resource, cancellationToken), request.Content);
    }

    private async Task SealUpdateAsync(HttpRequestMessage request, FhirRoute route, CancellationToken cancellationToken)
    {
        if (!SectionPolicy.IsSupported(route.ResourceType!) || await FhirContent.ReadAsync(request.Content, cancellationToken) is not { } resource)
        {
            return;
        }

        // A body naming another id than the URL is the server's to refuse (400), sealed or not.
        resource.Id ??= route.Id;
        SealedSectionMarks.Unmark(resource);
        request.Content = FhirContent.Write(await keyring.SealAsync(resource, cancellationToken), request.Content);
    }

    private static async Task CheckPatchAsync(HttpRequestMessage request, string type, CancellationToken cancellationToken)
    {
        if (request.Content is null)
        {
            return;
        }

        if (request.Content.Headers.ContentType?.MediaType == "application/json-patch+json")
        {
            ClearPatches.Require(type, await request.Content.ReadAsStringAsync(cancellationToken));
        }
        else if (await FhirContent.ReadAsync(request.Content, cancellationToken) is Parameters patch)
        {
            ClearPatches.Require(type, patch);
        }
    }
}
