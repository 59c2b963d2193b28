using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Tests.TestSupport;

/// <summary>
/// The shared test data beside the repository (../shared/data), read in place: found by walking
/// up from the test's base directory to the folder that holds shared/data, which works both in a
/// developer's checkout and in CI's clone.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> DataRoot = new(FindDataRoot);

    public static FhirJsonDeserializer Deserializer { get; } = new(new DeserializerSettings());

    public static FhirJsonSerializer Serializer { get; } = new();

    public static string Root => DataRoot.Value;

    public static IEnumerable<string> SyntheaBundles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "synthea", "bundles"), "*.json").Order(StringComparer.Ordinal);

    /// <summary>The example files (r4/ and normative/) that hold at least one resource of a supported type.</summary>
    public static IEnumerable<string> ExampleFiles() =>
        new[] { "r4", "normative" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, "fhir-examples", folder), "*.json"))
            .Order(StringComparer.Ordinal)
            .Where(file => SupportedResourcesIn(file).Any());

    /// <summary>A path relative to the data root, for readable theory names.</summary>
    public static string Relative(string file) => Path.GetRelativePath(Root, file);

    public static string Absolute(string relative) => Path.Combine(Root, relative);

    public static TheoryData<string> Files(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var file in files)
        {
            data.Add(Relative(file));
        }

        return data;
    }

    /// <summary>
    /// Every resource of a supported type in the file (the file's resource or its bundle's
    /// entries) that the R4 model can hold. A few upstream examples are STU3-shaped (a single
    /// value where R4 has a list); the strict parser cannot represent them and they are left out.
    /// Literal and cardinality problems (an empty uri, a missing required element) are kept as read.
    /// </summary>
    public static IEnumerable<Resource> SupportedResourcesIn(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        var root = document.RootElement;
        var resources = root.GetProperty("resourceType").GetString() == "Bundle"
            ? root.TryGetProperty("entry", out var entries)
                ? entries.EnumerateArray().Where(entry => entry.TryGetProperty("resource", out _)).Select(entry => entry.GetProperty("resource"))
                : []
            : [root];
        return resources
            .Where(json => SectionPolicy.IsSupported(json.GetProperty("resourceType").GetString() ?? string.Empty))
            .Select(json => TryParseR4(json.GetRawText()))
            .OfType<Resource>()
            .ToList();
    }

    /// <summary>Parses FHIR JSON; null when the R4 model cannot hold it.</summary>
    public static Resource? TryParseR4(string json)
    {
        try
        {
            return Deserializer.DeserializeResource(json);
        }
        catch (DeserializationFailedException exception)
            when (exception.PartialResult is Resource partial && exception.Exceptions.All(error => error.ErrorCode is "PVAL105" or "PVAL124"))
        {
            return partial;
        }
        catch (DeserializationFailedException)
        {
            return null;
        }
    }

    public static string Json(Base value) => Serializer.SerializeToString(value);

    private static string FindDataRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No shared/data folder above {AppContext.BaseDirectory}.");
    }
}
