using System.Text.RegularExpressions;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>The FHIR R4 id rule (datatypes.html#id): 1 to 64 of [A-Za-z0-9\-\.].</summary>
public static partial class ResourceIds
{
    public static bool IsValid(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
