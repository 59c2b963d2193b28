using SeSPHR.Client.Errors;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The patient's grant statement does not let this user write the resource into that record (or the
/// resource names no patient to write it for). Nothing was sent to the FhirServer.
/// </summary>
public sealed class WriteNotGrantedException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>
/// A request the sealing client cannot carry out without weakening what is sealed: a PATCH that touches
/// a sealed (or signed, bound) element, or a conditional create whose id the client cannot choose.
/// The message says what to do instead; nothing was sent to the FhirServer.
/// </summary>
public sealed class SealedRequestNotSupportedException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);
