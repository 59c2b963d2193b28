using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace SeSPHR.Cli.Gateway.Sealing;

/// <summary>
/// A sealed section is bound to its resource's id, so the client chooses every id before sealing:
/// a create (<c>POST [type]</c>) becomes an update (<c>PUT [type]/[new id]</c>), and in a
/// transaction or batch each POST entry gets its id the same way and every reference to its
/// <c>fullUrl</c> (a <c>urn:uuid:</c> most often) is rewritten to <c>[type]/[id]</c> first,
/// because the server cannot rewrite a reference that is inside a sealed section.
/// </summary>
internal static class ClientChosenIds
{
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Rewrites the Bundle's POST entries as PUTs and their references, in place.</summary>
    /// <exception cref="GatewayRequestException">a conditional create, which cannot be honoured once it is a PUT.</exception>
    public static void Assign(Bundle bundle, Uri fhirBase)
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in bundle.Entry)
        {
            if (entry is not { Request: { Method: Bundle.HTTPVerb.POST } request, Resource: { } resource } || !IsTypeOnly(request.Url))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(request.IfNoneExist))
            {
                throw new GatewayRequestException(StatusCodes.Status400BadRequest, "A conditional create (ifNoneExist) cannot be passed on: the gateway chooses the id before it seals.");
            }

            var id = NewId();
            var target = $"{resource.TypeName}/{id}";
            resource.Id = id;
            request.Method = Bundle.HTTPVerb.PUT;
            request.Url = target;
            if (!string.IsNullOrEmpty(entry.FullUrl))
            {
                targets[entry.FullUrl] = target;
            }

            entry.FullUrl = new Uri(fhirBase, target).ToString();
        }

        if (targets.Count == 0)
        {
            return;
        }

        foreach (var resource in bundle.Entry.Select(e => e.Resource).OfType<Resource>())
        {
            Rewrite(resource, targets);
        }
    }

    private static bool IsTypeOnly(string? url) => url is { Length: > 0 } && !url.Contains('/', StringComparison.Ordinal) && !url.Contains('?', StringComparison.Ordinal);

    private static void Rewrite(Base node, Dictionary<string, string> targets)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            var children = value switch
            {
                IReadOnlyList<Base> list => list,
                Base child => [child],
                _ => [],
            };
            foreach (var child in children)
            {
                switch (child)
                {
                    case Bundle:
                        // A Bundle inside a resource has fullUrls of its own.
                        break;
                    case ResourceReference { Reference: { } reference } link when targets.TryGetValue(reference, out var target):
                        link.Reference = target;
                        break;
                    default:
                        Rewrite(child, targets);
                        break;
                }
            }
        }
    }
}
