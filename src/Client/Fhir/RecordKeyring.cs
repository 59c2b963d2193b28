using System.Runtime.ExceptionServices;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Client.Reading;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// How one caller seals what it writes and opens what it reads: as the patient on their own record
/// (<see cref="PatientKeyring"/>) or as a grantee on the records its grants reach
/// (<see cref="GranteeKeyring"/>). Both verify every envelope before anything is decrypted and report
/// a failure as the SDK's typed errors (<see cref="EnvelopeFailures"/>).
/// </summary>
public abstract class RecordKeyring
{
    private protected RecordKeyring()
    {
    }

    /// <summary>
    /// The resource as the FhirServer may hold it: split by the section policy, each section sealed and
    /// signed. The resource must carry its client-chosen id.
    /// </summary>
    public abstract Task<Resource> SealAsync(Resource resource, CancellationToken cancellationToken);

    /// <summary>
    /// Prepares for opening <paramref name="resources"/> together (one answer of the server), so that
    /// what this caller trusts about each patient is learned once per answer, not once per resource.
    /// </summary>
    public abstract Task PrepareAsync(IReadOnlyList<Resource> resources, CancellationToken cancellationToken);

    /// <summary>The resource verified and opened as far as this caller may; the rest stays sealed and is named.</summary>
    public abstract OpenedResource Open(Resource resource);

    /// <summary>
    /// Each of <paramref name="resources"/> (one prepared answer) as <see cref="Open"/> gives it, in
    /// order. Every resource is still verified and opened on its own; an answer's resources are spread
    /// over the machine's cores because opening is public-key arithmetic per envelope.
    /// </summary>
    /// <exception cref="Errors.SeSPHRClientException">the first failure met, as <see cref="Open"/> reports it.</exception>
    public virtual IReadOnlyList<OpenedResource> OpenAll(IReadOnlyList<Resource> resources) => InParallel(resources, Open);

    private protected static OpenedResource[] InParallel(IReadOnlyList<Resource> resources, Func<Resource, OpenedResource> open)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var opened = new OpenedResource[resources.Count];
        if (resources.Count < 2)
        {
            return resources.Count == 1 ? [open(resources[0])] : opened;
        }

        try
        {
            Parallel.For(0, resources.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => opened[i] = open(resources[i]));
        }
        catch (AggregateException failed) when (failed.InnerExceptions.Count > 0)
        {
            // Callers catch the SDK's typed errors, not a wrapper around them.
            ExceptionDispatchInfo.Throw(failed.InnerExceptions[0]);
        }

        return opened;
    }
}
