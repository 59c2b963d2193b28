using System.Text.Json;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// Which PATCH requests a sealing client may pass on: those that change only clear elements the
/// section policy names and no bound field. A sealed element cannot be patched on the server (it is
/// ciphertext there), and a bound field is covered by the envelopes' signatures, so changing it
/// without resealing would make the record fail verification. Such patches are refused here with
/// <see cref="SealedRequestNotSupportedException"/>; the caller reads, changes and updates the
/// resource instead.
/// </summary>
public static class ClearPatches
{
    private static readonly string[] PointerMembers = ["path", "from"];

    /// <summary>Checks a FHIRPath Patch (a Parameters resource) against the policy of <paramref name="resourceType"/>.</summary>
    public static void Require(string resourceType, Parameters patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var elements = patch.Parameter
            .Where(p => p.Name == "operation")
            .Select(operation => TopElement(resourceType, Part(operation, "path"), Part(operation, "name")));
        RequireClear(resourceType, elements);
    }

    /// <summary>Checks a JSON Patch (RFC 6902) body: the first token of each <c>path</c> and <c>from</c>.</summary>
    public static void Require(string resourceType, string jsonPatch)
    {
        using var document = JsonDocument.Parse(jsonPatch);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var elements = document.RootElement.EnumerateArray()
            .SelectMany(operation => PointerMembers.Select(name => operation.TryGetProperty(name, out var pointer) ? pointer.GetString() : null))
            .OfType<string>()
            .Select(pointer => pointer.TrimStart('/').Split('/')[0]);
        RequireClear(resourceType, elements);
    }

    private static void RequireClear(string resourceType, IEnumerable<string?> elements)
    {
        if (!SectionPolicy.IsSupported(resourceType) || SectionPolicy.For(resourceType) is not { HasProtectedSection: true } policy)
        {
            return;
        }

        foreach (var element in elements)
        {
            if (element is null or "id" or "extension" or "text" or "contained" || !policy.Names(element) || policy.BoundFields.Contains(element))
            {
                throw new SealedRequestNotSupportedException(
                    $"This PATCH of a {resourceType} touches {(element is null ? "an element it does not name" : $"'{element}'")}, which is sealed or signed; "
                    + "read the resource, change it and update it (PUT) instead.");
            }
        }
    }

    private static string? Part(Parameters.ParameterComponent operation, string name) =>
        (operation.Part.FirstOrDefault(p => p.Name == name)?.Value as PrimitiveType)?.ToString();

    /// <summary><c>Observation.status</c> → <c>status</c>; <c>Observation</c> with an added <c>name</c> → that name.</summary>
    private static string? TopElement(string resourceType, string? path, string? name)
    {
        if (path is null)
        {
            return null;
        }

        var steps = path.Split('.');
        var first = steps[0] == resourceType ? 1 : 0;
        if (steps.Length <= first)
        {
            return name;
        }

        var step = steps[first];
        var cut = step.IndexOfAny(['[', '(']);
        return cut < 0 ? step : step[..cut];
    }
}
