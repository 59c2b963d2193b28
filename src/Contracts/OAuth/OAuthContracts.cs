using System.Text.Json;
using System.Text.Json.Serialization;

namespace SeSPHR.Contracts.OAuth;

// The JSON bodies of API.md "Login and OAuth 2.0". The token endpoint's answer and errors use
// OAuth's snake_case names; the SRS's own endpoints use camelCase.

/// <summary><c>POST /account/login</c>: the Argon2id-derived authentication secret, never the password.</summary>
public sealed record LoginRequest(string? Username, string? AuthSecret);

/// <summary><c>POST /api/clients</c> (admin): a SMART Backend Services client, its public JWKS and system scopes.</summary>
public sealed record ClientRegistrationRequest(string? ClientId, JsonElement? Jwks, Guid? UserId, string[]? Scopes);

public sealed record ClientRegistrationResponse(string ClientId, Guid UserId, string[] Scopes);

/// <summary>The token endpoint's answer (<c>POST /connect/token</c>, RFC 6749 section 5.1, with SMART's <c>patient</c>).</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken = null,
    [property: JsonPropertyName("scope")] string? Scope = null,
    [property: JsonPropertyName("patient")] string? Patient = null);

/// <summary>An OAuth error (RFC 6749 section 5.2); the description is for people and never logged.</summary>
public sealed record OAuthError(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription = null);

/// <summary>The parts of an RFC 7807 problem the parties read: the title names the field or the rule, never a secret.</summary>
public sealed record Problem(string? Title, int? Status = null);
