namespace SeSPHR.Client.Grants;

/// <summary>The patient's client refused to grant: the grantee is unknown, not active, or their keys are not the ones the patient compared.</summary>
public sealed class GrantingException(string message) : Exception(message);
