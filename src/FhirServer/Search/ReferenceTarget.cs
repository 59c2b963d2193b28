using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Search;

/// <summary>A literal reference reduced to <c>Type/id</c>; absolute URLs keep their last two segments.</summary>
public readonly record struct ReferenceTarget(string Type, string Id)
{
    public override string ToString() => $"{Type}/{Id}";

    public static bool TryParse(string reference, out ReferenceTarget target)
    {
        target = default;
        if (reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal))
        {
            return false;
        }

        var path = reference;
        var history = path.IndexOf("/_history/", StringComparison.Ordinal);
        if (history >= 0)
        {
            path = path[..history];
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !ModelInfo.IsKnownResource(parts[^2]) || parts[^1].Length is 0 or > 64)
        {
            return false;
        }

        target = new ReferenceTarget(parts[^2], parts[^1]);
        return true;
    }
}
