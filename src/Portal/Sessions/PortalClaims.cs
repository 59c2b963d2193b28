using System.Security.Claims;

namespace SeSPHR.Portal.Sessions;

/// <summary>
/// What the authentication cookie carries: the session id and who it is, for the layout and the
/// authorisation of pages. Never a key, a token or a protected value.
/// </summary>
public static class PortalClaims
{
    public const string SessionId = "sesphr_session";
    public const string Role = "sesphr_role";
    public const string FhirUser = "fhirUser";

    public static string? SessionIdOf(ClaimsPrincipal user) => user.FindFirst(SessionId)?.Value;

    public static string RoleOf(ClaimsPrincipal user) => user.FindFirst(Role)?.Value ?? "";

    public static string FhirUserOf(ClaimsPrincipal user) => user.FindFirst(FhirUser)?.Value ?? "";
}
