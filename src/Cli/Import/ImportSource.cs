using System.Security.Cryptography;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Cli.Commands;

namespace SeSPHR.Cli.Import;

/// <summary>One entry of a source file: the key other entries reference it by, and the resource.</summary>
internal sealed record SourceEntry(string Key, Resource Resource);

/// <summary>
/// A file to import: a FHIR transaction or collection Bundle (as Synthea writes them, entries
/// referencing each other by <c>urn:uuid:</c> full URLs) or NDJSON (one resource a line, references
/// as <c>Type/id</c>). <see cref="ContentHash"/> names the file's content, so the progress of an
/// import survives a rename and is not mistaken for another file's.
/// </summary>
internal sealed record ImportSource(string Path, string ContentHash, IReadOnlyList<SourceEntry> Entries)
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    /// <summary>Every <c>.json</c> and <c>.ndjson</c> file named, folders expanded in name order.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths) =>
    [
        .. paths.SelectMany<string, string>(path => Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(IsImportable).Order(StringComparer.Ordinal)
            : File.Exists(path)
                ? [path]
                : throw new CliException(ExitCodes.NotFound, $"{path}: no such file or folder.")),
    ];

    public static ImportSource Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        try
        {
            var entries = path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) ? FromNdjson(text) : FromBundle(text);
            return new ImportSource(path, hash, entries);
        }
        catch (Exception ex) when (ex is FormatException or DeserializationFailedException or System.Text.Json.JsonException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{path} is not a FHIR Bundle or NDJSON file: {ex.GetType().Name}.", ex);
        }
    }

    private static bool IsImportable(string file) =>
        file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    private static List<SourceEntry> FromBundle(string text)
    {
        var bundle = Parser.Deserialize<Bundle>(text);
        return
        [
            .. bundle.Entry.Select((e, index) => (e.FullUrl, e.Resource, index)).Where(e => e.Resource is not null).Select(e =>
                new SourceEntry(e.FullUrl ?? KeyOf(e.Resource!) ?? $"#entry-{e.index}", e.Resource!)),
        ];
    }

    private static List<SourceEntry> FromNdjson(string text) =>
    [
        .. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((line, index) => Parser.DeserializeResource(line) is var resource
                ? new SourceEntry(KeyOf(resource) ?? $"#line-{index}", resource)
                : throw new FormatException()),
    ];

    private static string? KeyOf(Resource resource) => resource.Id is { } id ? $"{resource.TypeName}/{id}" : null;
}
