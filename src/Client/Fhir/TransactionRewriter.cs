using System.Collections;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// Turns a transaction or batch Bundle into one the FhirServer can store sealed: every POST entry gets
/// a client-chosen id and becomes a PUT to <c>[type]/[id]</c>, every reference to its fullUrl
/// (<c>urn:uuid:</c> or otherwise) becomes <c>[type]/[id]</c> (inside what is sealed too, where the
/// server could not resolve it), and every entry's resource is then sealed under its id. A PATCH entry
/// passes only when it changes clear, unbound elements (<see cref="ClearPatches"/>).
/// </summary>
public sealed class TransactionRewriter(Uri fhirBase, RecordKeyring keyring)
{
    public async Task<Bundle> RewriteAsync(Bundle bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (bundle.Type is not (Bundle.BundleType.Transaction or Bundle.BundleType.Batch))
        {
            return bundle;
        }

        var rewritten = (Bundle)bundle.DeepCopy();
        var newReferences = AssignIds(rewritten);
        foreach (var entry in rewritten.Entry)
        {
            if (entry.Resource is { } resource)
            {
                RewriteReferences(resource, newReferences);
            }
        }

        foreach (var entry in rewritten.Entry)
        {
            await SealEntryAsync(entry, cancellationToken);
        }

        return rewritten;
    }

    /// <summary>
    /// POST entries become PUTs under new ids; the answer maps each entry's fullUrl to <c>[type]/[id]</c>,
    /// a PUT entry's too (a <c>urn:uuid:</c> fullUrl on a PUT names the resource its URL updates).
    /// </summary>
    private Dictionary<string, string> AssignIds(Bundle bundle)
    {
        var newReferences = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in bundle.Entry)
        {
            if (entry is { Request: { Method: Bundle.HTTPVerb.PUT, Url: { } url }, Resource: not null, FullUrl: { Length: > 0 } putUrl }
                && FhirRoute.Of(fhirBase, new Uri(url, UriKind.RelativeOrAbsolute)) is { IsInstanceLevel: true } put)
            {
                newReferences[putUrl] = $"{put.ResourceType}/{put.Id}";
            }

            if (entry is not { Request: { Method: Bundle.HTTPVerb.POST } request, Resource: { } resource } || !SectionPolicy.IsSupported(resource.TypeName))
            {
                continue;
            }

            if (request.IfNoneExist is not null)
            {
                throw new SealedRequestNotSupportedException(
                    $"A conditional create of a {resource.TypeName} in a Bundle cannot be sealed or referred to by id; give the entry an id (PUT) instead.");
            }

            resource.Id = RequestSealing.NewId();
            var reference = $"{resource.TypeName}/{resource.Id}";
            if (entry.FullUrl is { Length: > 0 } fullUrl)
            {
                newReferences[fullUrl] = reference;
            }

            entry.FullUrl = new Uri(fhirBase, reference).ToString();
            request.Method = Bundle.HTTPVerb.PUT;
            request.Url = reference;
        }

        return newReferences;
    }

    private async Task SealEntryAsync(Bundle.EntryComponent entry, CancellationToken cancellationToken)
    {
        var method = entry.Request?.Method;
        var route = entry.Request?.Url is { } url ? FhirRoute.Of(fhirBase, new Uri(url, UriKind.RelativeOrAbsolute)) : null;
        if (method == Bundle.HTTPVerb.PATCH && route?.ResourceType is { } patched && entry.Resource is Parameters patch)
        {
            ClearPatches.Require(patched, patch);
        }
        else if (method == Bundle.HTTPVerb.PUT && entry.Resource is { } resource && SectionPolicy.IsSupported(resource.TypeName))
        {
            if (route is not { IsInstanceLevel: true })
            {
                throw new SealedRequestNotSupportedException($"A conditional update of a {resource.TypeName} in a Bundle names no id to seal it under; update it by its id.");
            }

            resource.Id ??= route.Id;
            SealedSectionMarks.Unmark(resource);
            entry.Resource = await keyring.SealAsync(resource, cancellationToken);
        }
    }

    /// <summary>Every Reference anywhere in <paramref name="node"/> (contained resources included) that names a rewritten fullUrl.</summary>
    private static void RewriteReferences(Base node, Dictionary<string, string> newReferences)
    {
        if (newReferences.Count == 0)
        {
            return;
        }

        if (node is ResourceReference { Reference: { } target } reference && newReferences.TryGetValue(target, out var rewritten))
        {
            reference.Reference = rewritten;
        }

        foreach (var (_, value) in node.EnumerateElements())
        {
            foreach (var child in value is IEnumerable list and not string ? list.OfType<Base>() : value is Base single ? [single] : [])
            {
                RewriteReferences(child, newReferences);
            }
        }
    }
}
