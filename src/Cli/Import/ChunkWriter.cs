using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Records;
using SeSPHR.Client.Accounts;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Import;

/// <summary>
/// Seals a chunk (each resource split by the section policy, each section sealed to its current
/// epoch key and signed by the patient, in parallel) and writes it as one transaction Bundle of
/// PUTs: the server commits all of the chunk or none of it.
/// </summary>
internal sealed class ChunkWriter
{
    private readonly PhrUser _patient;
    private readonly Dictionary<PhrSection, SectionKey> _keys;

    public ChunkWriter(PhrUser patient, Func<PhrSection, SectionKey> currentKey)
    {
        _patient = patient;
        // One derivation per section for the whole import, not one per resource.
        _keys = PhrSectionCodes.All.ToDictionary(s => s, currentKey);
    }

    public Bundle Seal(IReadOnlyList<Resource> chunk)
    {
        var sealedResources = chunk.AsParallel().AsOrdered()
            .Select(r => SectionSealer.Seal(r, s => _keys[s], _patient.Keys.Signer, _patient.Keys.DecryptionPublicKey))
            .ToList();
        return new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                .. sealedResources.Select(r => new Bundle.EntryComponent
                {
                    FullUrl = $"{_patient.Endpoints.Fhir}{r.TypeName}/{r.Id}",
                    Resource = r,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{r.TypeName}/{r.Id}" },
                }),
            ],
        };
    }

    public async System.Threading.Tasks.Task WriteAsync(Bundle transaction, string what)
    {
        await _patient.RenewIfExpiringAsync();
        var response = await _patient.Fhir.TransactionAsync(transaction);
        FhirFailures.ThrowUnlessSuccess(response, what);
        var failed = response.As<Bundle>().Entry.Count(e => e.Response?.Status is not { } status || !(status.StartsWith("200", StringComparison.Ordinal) || status.StartsWith("201", StringComparison.Ordinal)));
        if (failed > 0)
        {
            throw new CliException(ExitCodes.Failed, $"{what}: {failed} entries of the transaction did not succeed.");
        }
    }
}
