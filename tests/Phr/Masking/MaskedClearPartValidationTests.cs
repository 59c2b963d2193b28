using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Masking;

[Collection(SharedR4Validator.Name)]
public class MaskedClearPartValidationTests(R4BaseValidator validator)
{
    // Three of the fifteen Synthea patients keep the run short: the one with the most resources,
    // and two with imaging studies (one of them deceased), next to every example file.
    private static readonly string[] SyntheaSample = ["Adolph_Smith_", "Dennis_Durgan_", "Eura_Treutel_"];

    public static TheoryData<string> Sample => SharedData.Files(
        SharedData.SyntheaBundles()
            .Where(file => SyntheaSample.Any(Path.GetFileName(file).StartsWith))
            .Concat(SharedData.ExampleFiles()));

    /// <summary>
    /// Zero errors for every clear part whose source is valid. A few upstream examples are not
    /// (a lastUpdated without time zone, a Provenance without target); their clear parts may
    /// keep the source's own errors in clear elements, but masking must add none.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sample))]
    public void Given_a_resource_When_it_is_split_Then_its_clear_part_validates_against_the_R4_base_definitions_with_no_error_of_its_own(string file)
    {
        var resources = SharedData.SupportedResourcesIn(SharedData.Absolute(file)).ToList();
        resources.ShouldNotBeEmpty();
        var errors = new List<string>();
        foreach (var source in resources)
        {
            var clearErrors = validator.Errors(SectionSplitter.Split(source).Clear);
            if (clearErrors.Count > 0)
            {
                var sourceErrors = validator.Errors(source);
                errors.AddRange(clearErrors.Except(sourceErrors).Select(error => $"{source.TypeName}/{source.Id} {error}"));
            }
        }

        errors.ShouldBeEmpty();
    }
}
