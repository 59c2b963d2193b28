using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Import;

/// <summary>
/// What an import writes for one source, decided before anything is sent and the same on every
/// run: each entry gets an id derived from the patient and the entry's key in the source
/// (<see cref="IdFor"/>), so a run after Ctrl-C or a crash writes the same resources under the same
/// ids (PUT: no duplicates), and fixed chunks in source order, so the progress file's list of
/// finished chunks leaves no gap. The source's Patient becomes the signed-in patient's own Patient,
/// and every reference between entries is rewritten to the new ids. Directory resources
/// (Practitioner, Organization, ...) are not the patient's to write and types the section policy
/// does not know cannot be sealed; both are left out and counted.
/// </summary>
internal sealed class ImportPlan
{
    private static readonly HashSet<string> DirectoryTypes = new(StringComparer.Ordinal) { "Practitioner", "PractitionerRole", "Organization", "Location" };

    private ImportPlan(IReadOnlyList<Resource> resources, int skipped, int chunkSize)
    {
        Resources = resources;
        Skipped = skipped;
        ChunkSize = chunkSize;
    }

    /// <summary>The resources to write, with their new ids and rewritten references, in source order.</summary>
    public IReadOnlyList<Resource> Resources { get; }

    /// <summary>Entries left out (directory resources, types the section policy does not know).</summary>
    public int Skipped { get; }

    public int ChunkSize { get; }

    public int ChunkCount => (Resources.Count + ChunkSize - 1) / ChunkSize;

    public IReadOnlyList<Resource> Chunk(int index) => [.. Resources.Skip(index * ChunkSize).Take(ChunkSize)];

    public static ImportPlan For(ImportSource source, string patientFhirUser, int chunkSize)
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in source.Entries)
        {
            var id = entry.Resource is Patient ? patientFhirUser["Patient/".Length..] : IdFor(patientFhirUser, entry.Key);
            targets[entry.Key] = $"{entry.Resource.TypeName}/{id}";
            if (entry.Resource.Id is { } oldId)
            {
                targets.TryAdd($"{entry.Resource.TypeName}/{oldId}", targets[entry.Key]);
            }
        }

        var kept = source.Entries.Where(e => !DirectoryTypes.Contains(e.Resource.TypeName) && SectionPolicy.IsSupported(e.Resource.TypeName)).ToList();
        var resources = kept.Select(entry =>
        {
            var copy = (Resource)entry.Resource.DeepCopy();
            copy.Id = targets[entry.Key][(copy.TypeName.Length + 1)..];
            Rewrite(copy, targets);
            return copy;
        }).ToList();
        return new ImportPlan(resources, source.Entries.Count - kept.Count, chunkSize);
    }

    /// <summary>
    /// 128 bits of SHA-256 over the patient and the entry's key, as hex: stable across runs and
    /// machines, distinct per patient, and telling the server nothing of the source's own ids.
    /// </summary>
    public static string IdFor(string patientFhirUser, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"sesphr-import\n{patientFhirUser}\n{key}")), 0, 16);

    private static void Rewrite(Resource resource, Dictionary<string, string> targets)
    {
        foreach (var reference in resource.Select("descendants()").OfType<ResourceReference>())
        {
            if (reference.Reference is { } target && targets.TryGetValue(target, out var local))
            {
                reference.Reference = local;
            }
        }
    }
}
