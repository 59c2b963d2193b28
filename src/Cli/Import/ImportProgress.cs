using System.Text.Json;
using SeSPHR.Cli.Profile;

namespace SeSPHR.Cli.Import;

/// <summary>
/// The chunks of one source already written, in the profile (<c>imports/</c>), keyed by the
/// patient, the source's content hash and the chunk size: saved after each chunk the server
/// committed, so a new run skips exactly those and sends the rest.
/// </summary>
internal sealed class ImportProgress
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ProfileFolder _profile;
    private readonly string _file;
    private readonly SortedSet<int> _done;

    private ImportProgress(ProfileFolder profile, string file, SortedSet<int> done)
    {
        _profile = profile;
        _file = file;
        _done = done;
    }

    public int DoneCount => _done.Count;

    public static ImportProgress Load(ProfileFolder profile, string patientFhirUser, string contentHash, int chunkSize)
    {
        var name = ImportPlan.IdFor(patientFhirUser, $"{contentHash}/{chunkSize}");
        var file = Path.Combine(profile.ImportsFolder, name + ".json");
        var done = File.Exists(file) ? JsonSerializer.Deserialize<SortedSet<int>>(File.ReadAllText(file), Json) ?? [] : [];
        return new ImportProgress(profile, file, done);
    }

    public bool IsDone(int chunk) => _done.Contains(chunk);

    public void MarkDone(int chunk)
    {
        _done.Add(chunk);
        _profile.WritePrivate(_file, JsonSerializer.Serialize(_done, Json));
    }
}
