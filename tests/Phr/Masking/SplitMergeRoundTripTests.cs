using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Masking;

public class SplitMergeRoundTripTests
{
    public static TheoryData<string> SyntheaBundles => SharedData.Files(SharedData.SyntheaBundles());

    public static TheoryData<string> Examples => SharedData.Files(SharedData.ExampleFiles());

    [Theory]
    [MemberData(nameof(SyntheaBundles))]
    public void Given_a_Synthea_bundle_When_each_resource_is_split_and_merged_Then_it_equals_its_source_and_its_clear_part_has_nothing_protected(string file) =>
        AssertRoundTrips(file);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Given_an_R4_example_When_each_resource_is_split_and_merged_Then_it_equals_its_source_and_its_clear_part_has_nothing_protected(string file) =>
        AssertRoundTrips(file);

    private static void AssertRoundTrips(string file)
    {
        var resources = SharedData.SupportedResourcesIn(SharedData.Absolute(file)).ToList();
        resources.ShouldNotBeEmpty();
        var failures = new List<string>();
        foreach (var source in resources)
        {
            var split = SectionSplitter.Split(source);
            if (SectionPolicy.FindProtectedInClear(split.Clear) is { Count: > 0 } inClear)
            {
                failures.Add($"{source.TypeName}/{source.Id} keeps {string.Join(", ", inClear)} in clear");
            }

            var merged = SectionSplitter.Merge(split.Clear, split.Payloads);
            if (!merged.IsExactly(source) || SharedData.Json(merged) != SharedData.Json(source))
            {
                failures.Add($"{source.TypeName}/{source.Id}");
            }
        }

        failures.ShouldBeEmpty();
    }
}
