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
}
