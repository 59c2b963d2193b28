using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The read side of <see cref="SealingFhirHandler"/>: every resource in an answer (a read, a vread, a
/// created or updated resource, each entry of a searchset, history or transaction-response Bundle,
/// <c>_include</c>d ones among them) is verified and opened as far as the caller may, and each section
/// that stays sealed, or that the server withheld whole, is marked (<see cref="SealedSectionMarks"/>).
/// Answers without sealed or withheld sections pass as they came.
/// </summary>
public sealed class ResponseOpening(RecordKeyring keyring)
{
    public async Task OpenAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (await FhirContent.ReadAsync(response.Content, cancellationToken) is not { } answer)
        {
            return;
        }

        var resources = answer is Bundle bundle ? [.. bundle.Entry.Select(e => e.Resource).OfType<Resource>()] : new List<Resource> { answer };
        if (!resources.Any(r => IsSealed(r) || SealedSectionMarks.WithheldSection(r) is not null))
        {
            return;
        }

        await keyring.PrepareAsync(resources, cancellationToken);
        var opened = answer is Bundle answered ? OpenEntries(answered) : OpenAndMark(answer);
        response.Content = FhirContent.Write(opened, response.Content);
    }

    private Bundle OpenEntries(Bundle bundle)
    {
        var toOpen = new List<(Bundle.EntryComponent Entry, Resource Resource)>();
        foreach (var entry in bundle.Entry)
        {
            if (entry.Resource is not { } resource)
            {
                continue;
            }

            if (SealedSectionMarks.WithheldSection(resource) is { } withheld)
            {
                SealedSectionMarks.Mark(resource, [withheld]);
            }
            else if (IsSealed(resource))
            {
                toOpen.Add((entry, resource));
            }
        }

        var opened = keyring.OpenAll([.. toOpen.Select(sealedEntry => sealedEntry.Resource)]);
        for (var i = 0; i < toOpen.Count; i++)
        {
            SealedSectionMarks.Mark(opened[i].Resource, opened[i].StillSealed);
            toOpen[i].Entry.Resource = opened[i].Resource;
        }

        return bundle;
    }

    private Resource OpenAndMark(Resource resource)
    {
        if (SealedSectionMarks.WithheldSection(resource) is { } withheld)
        {
            SealedSectionMarks.Mark(resource, [withheld]);
            return resource;
        }

        if (!IsSealed(resource))
        {
            return resource;
        }

        var opened = keyring.Open(resource);
        SealedSectionMarks.Mark(opened.Resource, opened.StillSealed);
        return opened.Resource;
    }

    private static bool IsSealed(Resource resource) =>
        resource is DomainResource domain && domain.Extension.Any(Phr.Envelopes.EncryptedSectionExtension.IsEncryptedSection);
}
