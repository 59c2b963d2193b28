using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// Indexes each Consent by whom it grants anything (<see cref="ConsentGrants.Of"/>): <c>user:Practitioner/doc</c>,
/// <c>role:practitioner</c> or <c>everyone</c>, as token values of a parameter no client can search
/// (it starts with an underscore the search parser does not know). <see cref="RequestAccess"/> finds a
/// caller's candidate patients through it in SQL; the evaluator then decides, so a candidate too many
/// costs a little time and never access.
/// </summary>
public static class ConsentGranteeIndex
{
    public const string Parameter = "_sesphr-grantee";

    public static void AddTo(SearchIndex index, Consent consent)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(consent);
        foreach (var code in ConsentGrants.Of(consent).Select(grant => CodeOf(grant.Grantee)).Distinct(StringComparer.Ordinal))
        {
            index.Tokens.Add(new TokenValue(Parameter, null, code));
        }
    }

    /// <summary>The grantee codes a caller answers to.</summary>
    public static IEnumerable<string> CodesOf(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        yield return "everyone";
        yield return "role:" + caller.Role.ToCode();
        if (FhirReference.Normalize(caller.FhirUser) is { } self)
        {
            yield return "user:" + self;
        }
    }

    private static string CodeOf(ConsentGrantee grantee) => grantee switch
    {
        { Reference: { } reference } => "user:" + (FhirReference.Normalize(reference) ?? reference),
        { Role: { } role } => "role:" + role.ToCode(),
        _ => "everyone",
    };
}
