using System.Text.Json;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Tests.Features.Bundles;

namespace SeSPHR.FhirServer.Tests.Search;

/// <summary>
/// The indexer walks plain paths (<c>Observation.component.code</c>) over the POCOs instead of
/// running the FHIRPath engine. On every resource of the shared examples and Synthea bundles, both
/// must select the very same values, in the same order, for every parameter of every type.
/// </summary>
public sealed class PlainPathIndexingTests
{
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.Create(ResourceRegistry.Default.ResourceTypes, protectSections: false);

    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    [Fact]
    public void Given_every_shared_resource_When_plain_paths_are_walked_Then_they_select_what_FHIRPath_selects()
    {
        var compared = 0;
        var withValues = 0;
        foreach (var resource in SharedResources())
        {
            var root = resource.ToPocoNode(ModelInfo.ModelInspector);
            foreach (var expression in Registry.For(resource.TypeName).SelectMany(p => p.Expressions).Where(e => e.PlainPath is not null))
            {
                var engine = expression.Compiled(root, new FhirEvaluationContext()).Select(node => node.Poco).OfType<Base>().ToList();
                var walked = expression.Evaluate(resource, () => root, new FhirEvaluationContext());
                walked.Count.ShouldBe(engine.Count, $"{resource.TypeName}/{resource.Id}: {expression.FhirPath}");
                for (var i = 0; i < engine.Count; i++)
                {
                    ReferenceEquals(walked[i], engine[i]).ShouldBeTrue($"{resource.TypeName}/{resource.Id}: {expression.FhirPath}[{i}]");
                }

                compared++;
                withValues += engine.Count > 0 ? 1 : 0;
            }
        }

        // Enough to mean something: most expressions of the data's resources have values.
        compared.ShouldBeGreaterThan(10_000);
        withValues.ShouldBeGreaterThan(5_000);
    }

    [Fact]
    public void Given_the_registry_When_its_expressions_are_sorted_Then_most_are_walked_and_functions_are_left_to_FHIRPath()
    {
        var all = ResourceRegistry.Default.ResourceTypes.SelectMany(Registry.For).SelectMany(p => p.Expressions).ToList();
        all.Count(e => e.PlainPath is not null).ShouldBeGreaterThan(all.Count * 3 / 4);
        all.Count(e => e.FhirPath.Contains(" as ", StringComparison.Ordinal) && e.PlainPath is not null).ShouldBeGreaterThan(10);
        all.Where(e => e.FhirPath.Contains("()", StringComparison.Ordinal)).ShouldAllBe(e => e.PlainPath == null);
    }

    private static IEnumerable<Resource> SharedResources()
    {
        var files = new[] { "r4", "normative" }
            .SelectMany(folder => Directory.EnumerateFiles(BundleTestSupport.SharedData("fhir-examples", folder), "*.json"))
            .Concat(Directory.EnumerateFiles(BundleTestSupport.SharedData("synthea", "bundles"), "*.json"))
            .Order(StringComparer.Ordinal);
        var types = ResourceRegistry.Default.ResourceTypes.ToHashSet(StringComparer.Ordinal);
        foreach (var file in files)
        {
            Resource? parsed;
            try
            {
                parsed = Parser.DeserializeResource(File.ReadAllText(file));
            }
            catch (Exception failure) when (failure is JsonException or DeserializationFailedException or FormatException)
            {
                continue;
            }

            IEnumerable<Resource> resources = parsed is Bundle bundle ? bundle.Entry.Select(e => e.Resource).OfType<Resource>() : [parsed];
            foreach (var resource in resources.Where(r => types.Contains(r.TypeName)))
            {
                yield return resource;
            }
        }
    }
}
