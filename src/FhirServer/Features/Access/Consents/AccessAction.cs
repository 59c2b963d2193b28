namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// What a caller wants to do with a section. Consent says it with the R4 action codes: <c>access</c>
/// for <see cref="Read"/>, <c>collect</c> or <c>correct</c> for <see cref="Write"/>.
/// </summary>
public enum AccessAction
{
    Read,
    Write,
}

/// <summary>The outcome of evaluating Consent. Anything not permitted is denied.</summary>
public enum ConsentDecision
{
    Deny,
    Permit,
}
