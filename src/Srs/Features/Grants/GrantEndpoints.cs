using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>HTTP handlers of the grant API (src/Srs/API.md): validate, decode, call the service, answer problem+json on refusal.</summary>
public static class GrantEndpoints
{
    public static async Task<IResult> UploadAsync(
        GrantUploadRequest? request, IValidator<GrantUploadRequest> validator, GrantService grants, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(grants);
        if (CallerId(user) is not { } caller)
            return NoCaller();
        if (request is null)
            return NoBody();
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
            return Invalid(validation);

        var upload = new GrantUpload(
            GrantVocabulary.NormalizeConsentId(request.ConsentId)!,
            Convert.FromBase64String(request.GrantStatement!),
            [.. request.GrantOpenings!.Select(Convert.FromBase64String)],
            [.. request.Kfrags!.Select(k => new KfragOffer(
                k.Section!, (uint)k.Epoch!.Value, Guid.Parse(k.GranteeId!), Convert.FromBase64String(k.DelegatingPublicKey!),
                Convert.FromBase64String(k.Kfrag!), GrantVocabulary.ParseInstant(k.Start)!.Value, GrantVocabulary.ParseInstant(k.End)))]);
        var result = await grants.UploadAsync(caller, upload, cancellationToken);
        return result.Refusal is { } refusal
            ? Results.Problem(statusCode: refusal.Status, title: refusal.Title)
            : Results.Json(new GrantUploadResponse(result.Accepted), statusCode: StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> ListAsync(string? consentId, GrantService grants, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grants);
        if (CallerId(user) is not { } caller)
            return NoCaller();
        if (GrantVocabulary.NormalizeConsentId(consentId) is not { } consent)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "consentId must be Consent/{id} with a FHIR id.");
        return Results.Ok(await grants.ListAsync(caller, consent, cancellationToken));
    }

    /// <summary>Members of roles the caller granted who hold no kfrag of that Consent yet; optionally one Consent's.</summary>
    public static async Task<IResult> PendingMembersAsync(string? consentId, PendingMembers members, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (CallerId(user) is not { } caller)
            return NoCaller();
        string? consent = null;
        if (consentId is not null && (consent = GrantVocabulary.NormalizeConsentId(consentId)) is null)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "consentId must be Consent/{id} with a FHIR id.");
        return Results.Ok(await members.ListAsync(caller, consent, cancellationToken));
    }

    public static async Task<IResult> ReconcileAsync(
        string consentId, ReconcileRequest? request, IValidator<ReconcileRequest> validator, GrantReconciler reconciler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(reconciler);
        if (GrantVocabulary.NormalizeConsentId(consentId) is not { } consent)
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The path must name a Consent by its FHIR id.");
        if (request is null)
            return NoBody();
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
            return Invalid(validation);

        var grants = request.Grants!.Select(g => new ConsentGrant(
            g.GranteeFhirUser, g.Role, g.Section!, g.Actions!.Contains("read"), GrantVocabulary.ParseInstant(g.Start), GrantVocabulary.ParseInstant(g.End))).ToList();
        var result = await reconciler.ReconcileAsync(consent, request.Patient!, grants, cancellationToken);
        return Results.Ok(new ReconcileResponse(result.Active, result.Deleted));
    }

    public static async Task<IResult> ReencryptAsync(
        ReencryptRequest? request, IValidator<ReencryptRequest> validator, ReencryptionService reencryption, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(reencryption);
        if (request is null)
            return NoBody();
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
            return Invalid(validation);

        var items = request.Items!.Select(i => new CapsuleRequest(i.Ref!, i.Patient!, i.Section!, (uint)i.Epoch!.Value, DecodeCapsule(i.Capsule!))).ToList();
        var outcomes = await reencryption.ReencryptAsync(Guid.Parse(request.GranteeId!), items, cancellationToken);
        return Results.Ok(new ReencryptResponse(
            [.. outcomes.Select(o => new ReencryptItemResult(
                o.Ref, o.Cfrag is null ? null : Convert.ToBase64String(o.Cfrag), o.Refused, o.Cfrag is null ? null : o.Until?.ToUniversalTime()))]));
    }

    /// <summary>
    /// Reads the JSON body itself, so that a body that is not JSON of the expected shape is a
    /// problem+json 400 in every environment (the framework's binder answers an empty 400, or an
    /// exception page in Development) and the reader's message, which may quote input, is not echoed.
    /// </summary>
    public static async Task<IResult> WithJsonBodyAsync<T>(HttpRequest http, Func<T?, Task<IResult>> handle)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(handle);
        if (!http.HasJsonContentType())
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be application/json.");
        T? body;
        try
        {
            body = await http.ReadFromJsonAsync<T>(http.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not JSON of the expected shape.");
        }

        return await handle(body);
    }

    private static byte[]? DecodeCapsule(string capsule)
    {
        var buffer = new byte[(capsule.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(capsule, buffer, out var written) ? buffer[..written] : null;
    }

    private static Guid? CallerId(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue("sub"), out var id) ? id : null;

    private static IResult NoCaller() =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The access token names no user (sub).");

    private static IResult NoBody() =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "A JSON body is required.");

    // The title names the first failing field so a client sees at once what to fix; the rest are in errors.
    private static IResult Invalid(ValidationResult validation) =>
        Results.ValidationProblem(validation.ToDictionary(), title: validation.Errors[0].ErrorMessage);
}
