using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>Commits, and answers a lost race with 409 Conflict rather than a server error.</summary>
public static class ConcurrentWrites
{
    public static async System.Threading.Tasks.Task CommitAsync(IResourceStore store, IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        try
        {
            await store.CommitAsync(writes, cancellationToken);
        }
        catch (ConcurrentWriteException)
        {
            throw new FhirException(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Conflict,
                "The resource was changed by another request at the same time; read it again and retry.");
        }
    }
}
