using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Fhir;

namespace SeSPHR.Cli.Records;

/// <summary>A FhirServer answer that is not a success, as the CLI's exit code and one line saying what happened.</summary>
internal static class FhirFailures
{
    public static void ThrowUnlessSuccess(FhirResponse response, string what)
    {
        if (response.IsSuccess)
        {
            return;
        }

        // The server's OperationOutcome names elements and ids, never a protected value.
        var detail = response.Resource is OperationOutcome outcome
            ? string.Join("; ", outcome.Issue.Select(i => i.Diagnostics ?? i.Details?.Text).Where(t => t is not null).Take(3))
            : "";
        var message = $"{what}: the FhirServer answered {(int)response.Status} {response.Status}" + (detail.Length > 0 ? $" ({detail})" : "");
        throw new CliException(CodeOf(response.Status), message);
    }

    private static int CodeOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => ExitCodes.NotSignedIn,
        HttpStatusCode.Forbidden => ExitCodes.NotAllowed,
        HttpStatusCode.NotFound or HttpStatusCode.Gone => ExitCodes.NotFound,
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed => ExitCodes.InvalidInput,
        >= HttpStatusCode.InternalServerError => ExitCodes.ServerDown,
        _ => ExitCodes.Failed,
    };
}
