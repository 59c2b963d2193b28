namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Something in a Consent the evaluator cannot enforce as written, at its FHIRPath location
/// (<c>Consent.provision.provision[1].securityLabel[0]</c>). The message never repeats a value the
/// patient did not write in that element.
/// </summary>
public sealed record ConsentProblem(string Location, string Message);
