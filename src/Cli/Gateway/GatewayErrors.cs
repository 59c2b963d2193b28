using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Fhir;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// Every failure leaves the gateway as a FHIR OperationOutcome with a status the app can act on:
/// 4xx for a request the gateway will not pass on, 502 when the FhirServer sent something that
/// does not verify or could not be reached, 503 when the SRS is down. Messages are the gateway's
/// own sentences: no exception text (which could quote a record), no stack trace.
/// </summary>
internal static class GatewayErrors
{
    public const string FhirJson = "application/fhir+json";

    private static readonly FhirJsonSerializer Serializer = new();

    public static async System.Threading.Tasks.Task WriteAsync(HttpContext context, int status, OperationOutcome.IssueType code, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        var outcome = new OperationOutcome
        {
            Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = message }],
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = FhirJson;
        await context.Response.WriteAsync(Serializer.SerializeToString(outcome), context.RequestAborted);
    }

    /// <summary>Turns whatever escaped a request into its OperationOutcome, logging only the kind of failure.</summary>
    public static IApplicationBuilder UseGatewayErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception failure) when (!context.RequestAborted.IsCancellationRequested)
        {
            var (status, code, message) = Classify(failure);
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SeSPHR.Cli.Gateway")
                .LogWarning("{Method} answered {Status}: {Failure}", context.Request.Method, status, failure.GetType().Name);
            await WriteAsync(context, status, code, message);
        }
    });

    private static (int Status, OperationOutcome.IssueType Code, string Message) Classify(Exception failure) => failure switch
    {
        GatewayRequestException refused => (refused.Status, OperationOutcome.IssueType.Invalid, refused.Message),
        WriteNotGrantedException notGranted => (StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, notGranted.Message),
        SealedRequestNotSupportedException notSealable => (StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.NotSupported, notSealable.Message),
        TamperedEnvelopeException or InvalidCapsuleFragmentException or UntrustedWriterException =>
            (StatusCodes.Status502BadGateway, OperationOutcome.IssueType.Security, "The FhirServer sent a sealed section that does not verify; it was not opened. " + failure.Message),
        SrsUnavailableException or SrsRequestException => (StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient, "The SRS could not be reached or refused to renew the sign-in; try again later."),
        HttpRequestException or TaskCanceledException or FhirServerUnavailableException =>
            (StatusCodes.Status502BadGateway, OperationOutcome.IssueType.Transient, "The FhirServer could not be reached; try again later."),
        NotSignedInException => (StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Login, "The gateway's user is no longer signed in; sign in again and restart the gateway."),
        _ => (StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception, "The gateway failed on this request."),
    };
}

/// <summary>A request the gateway will not pass on (malformed, or an interaction it does not offer), with its status.</summary>
internal sealed class GatewayRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
