using System.Text.RegularExpressions;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>The FHIR R4 id rule (datatypes.html#id): 1 to 64 of [A-Za-z0-9\-\.].</summary>
public static partial class ResourceIds
{
    public static bool IsValid(string id) => IdPattern().IsMatch(id);

    public static void Require(string id)
    {
        if (!IsValid(id))
        {
            throw new Http.FhirException(StatusCodes.Status400BadRequest, Hl7.Fhir.Model.OperationOutcome.IssueType.Invalid,
                "A resource id is 1 to 64 characters of A-Z, a-z, 0-9, '-' and '.'.");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
