using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Http;

/// <summary>Limits of the FhirServer's HTTP interface (section <c>Fhir</c> of the configuration).</summary>
public sealed class FhirServerOptions
{
    /// <summary>Absolute base URL used in Location headers and links; by default taken from the request.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// When true (the default), protected elements may only arrive as signed envelopes and search
    /// is offered only on clear elements. False is the plain FHIR configuration, for conformance
    /// testing and for comparing costs.
    /// </summary>
    public bool ProtectedSections { get; set; } = true;

    /// <summary>The largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// When true, every write is validated in full against the R4 base definitions (as
    /// <c>$validate</c> does) and refused with 422 on errors. Off by default: it costs far more
    /// than the structural checks every write gets.
    /// </summary>
    public bool ValidateOnWrite { get; set; }
}

/// <summary>What the server reads from a FHIR request besides the resource: base URL, body, Prefer.</summary>
public static class FhirRequest
{
    public const string BasePath = "/fhir";

    public static string BaseUrl(HttpRequest request, FhirServerOptions options) =>
        options.PublicBaseUrl?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}";

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, FhirServerOptions options, CancellationToken cancellationToken)
    {
        if (request.ContentLength > options.MaxRequestBodyBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > options.MaxRequestBodyBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The <c>return</c> preference of the Prefer header (FHIR http.html#ops).</summary>
    public static ReturnPreference ReturnPreferenceOf(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var part in (header ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                switch (part.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
                {
                    case "return=minimal": return ReturnPreference.Minimal;
                    case "return=operationoutcome": return ReturnPreference.OperationOutcome;
                    case "return=representation": return ReturnPreference.Representation;
                }
            }
        }

        return ReturnPreference.Representation;
    }

    private static FhirException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong, "The request body is larger than this server accepts.");
}

public enum ReturnPreference
{
    Representation,
    Minimal,
    OperationOutcome,
}
