namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>Section <c>Fhir:Auth</c>: how the FhirServer checks the SRS's access tokens.</summary>
public sealed class FhirAuthOptions
{
    public const string Section = "Fhir:Auth";

    /// <summary>The SRS base URL: its OpenID discovery document and JWKS validate tokens.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> every token must carry.</summary>
    public string Audience { get; set; } = "sesphr-fhir";

    /// <summary>
    /// Whether discovery and JWKS must come over HTTPS. Null: true, except for an authority on a
    /// loopback address (the embedded default runs the SRS on 127.0.0.1 over plain HTTP).
    /// </summary>
    public bool? RequireHttpsMetadata { get; set; }

    /// <summary>
    /// True (the default): every FHIR request but discovery needs a valid token, and startup fails
    /// without an <see cref="Authority"/>. False only for the plain FHIR/conformance configuration.
    /// </summary>
    public bool Required { get; set; } = true;

    public bool HttpsMetadataRequired() =>
        RequireHttpsMetadata ?? !(Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.IsLoopback);
}

/// <summary>Section <c>Fhir:Access</c>.</summary>
public sealed class FhirAccessOptions
{
    public const string Section = "Fhir:Access";

    /// <summary>
    /// True (the default): Consent decides what a caller sees and writes. False leaves only the
    /// SRS between a signed-in caller and the data (a test configuration; logged loudly at start).
    /// </summary>
    public bool ConsentCheck { get; set; } = true;
}
