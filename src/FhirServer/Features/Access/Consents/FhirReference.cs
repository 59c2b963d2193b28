using System.Text.RegularExpressions;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Literal references in the one form Consent evaluation compares: <c>Type/id</c>. A version suffix
/// (<c>/_history/2</c>) is dropped, since a grant names a person, not a version of their resource.
/// Absolute URLs, contained (<c>#x</c>) and <c>urn:</c> references are not understood: the evaluator
/// cannot tell whether they name a user of this server.
/// </summary>
internal static partial class FhirReference
{
    public static string? Normalize(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var match = RelativeReference().Match(reference);
        return match.Success ? $"{match.Groups["type"].Value}/{match.Groups["id"].Value}" : null;
    }

    /// <summary>The resource type of a normalised reference.</summary>
    public static string TypeOf(string normalized) => normalized[..normalized.IndexOf('/', StringComparison.Ordinal)];

    // R4 id: [A-Za-z0-9\-\.]{1,64}; type names start with a capital letter.
    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]{0,63})/(?<id>[A-Za-z0-9\-\.]{1,64})(/_history/[A-Za-z0-9\-\.]{1,64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeReference();
}
