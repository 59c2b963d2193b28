using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Masking;

public class ProtectedValueLeakTests
{
    public static TheoryData<string> AllFiles => SharedData.Files(SharedData.SyntheaBundles().Concat(SharedData.ExampleFiles()));

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Given_a_resource_When_it_is_split_Then_no_protected_value_appears_in_its_clear_part(string file)
    {
        var leaks = SharedData.SupportedResourcesIn(SharedData.Absolute(file))
            .SelectMany(source => LeaksOf(source).Select(leak => $"{source.TypeName}/{source.Id}: '{leak}'"))
            .ToList();

        leaks.ShouldBeEmpty();
    }

    [Fact]
    public void Given_planted_values_in_protected_elements_When_a_patient_is_split_Then_none_appears_in_the_clear_part_and_all_are_in_the_payload()
    {
        var patient = new Patient
        {
            Id = "canary-patient",
            Name = [new HumanName { Family = "Canaryfamily", Given = ["Canarygiven"] }],
            BirthDate = "1971-07-13",
            Gender = AdministrativeGender.Female,
            Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Canarynarrative</div>" },
            Identifier = [new Identifier("urn:oid:2.16.840.1.113883.4.1", "999-13-4242")],
            ManagingOrganization = new ResourceReference("Organization/canary-clinic", "Canary Psychiatric Clinic"),
        };

        var split = SectionSplitter.Split(patient);
        var clear = SharedData.Json(split.Clear);
        var payload = Encoding.UTF8.GetString(split.Payloads.Single().Content);

        foreach (var canary in new[] { "Canaryfamily", "Canarygiven", "1971-07-13", "female", "Canarynarrative", "999-13-4242", "canary-clinic", "Canary Psychiatric Clinic" })
        {
            clear.ShouldNotContain(canary, Case.Insensitive);
            payload.ShouldContain(canary);
        }
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Given_a_resource_When_it_is_split_Then_every_string_in_its_clear_part_comes_from_an_allow_listed_element_or_from_masking(string file)
    {
        var strays = SharedData.SupportedResourcesIn(SharedData.Absolute(file))
            .SelectMany(source =>
            {
                var allowed = JsonLeaves.Strings(SharedData.Json(AllowListedPartOf(source))).Concat(MaskingArtifacts).ToHashSet(StringComparer.Ordinal);
                return JsonLeaves.Strings(SharedData.Json(SectionSplitter.Split(source).Clear))
                    .Where(leaf => !allowed.Contains(leaf))
                    .Select(leaf => $"{source.TypeName}/{source.Id}: '{leaf}'");
            })
            .ToList();

        strays.ShouldBeEmpty();
    }

    private static readonly string[] MaskingArtifacts =
    [
        MaskedValue.DataAbsentReasonExtensionUrl, MaskedValue.DataAbsentReasonSystem, MaskedValue.MaskedCode, "Masked",
        ConfidentialityLabel.System, ConfidentialityLabel.Restricted, "restricted",
    ];

    /// <summary>
    /// Protected leaves (longer than 3 characters) that appear as a whole word in a value of the
    /// clear JSON (element names such as "coverage" are structure, not values) although no allow-listed element of the source holds them: a value is "also a clear value"
    /// when the source's own clear elements carry it (a protected identifier may repeat the id of
    /// a clearly referenced claim; a protected code may be a word of a clear category). Whole-word
    /// matching keeps a code such as "oral" from matching inside ".../oralhealthclaim/...".
    /// </summary>
    private static IEnumerable<string> LeaksOf(Resource source)
    {
        var split = SectionSplitter.Split(source);
        var clearJson = SharedData.Json(split.Clear);
        var clearText = string.Join("\n", JsonLeaves.Strings(clearJson));
        var allowedText = string.Join("\n", JsonLeaves.Strings(SharedData.Json(AllowListedPartOf(source))));
        var clearNumbers = JsonLeaves.Numbers(clearJson).ToHashSet(StringComparer.Ordinal);
        foreach (var payload in split.Payloads)
        {
            using var document = JsonDocument.Parse(payload.Content);
            var elements = document.RootElement.GetProperty("elements").GetRawText();
            foreach (var leaf in JsonLeaves.Strings(elements).Where(leaf => leaf.Length > 3 && !MaskingArtifacts.Contains(leaf)).Distinct())
            {
                var asWord = new Regex($"(?<![A-Za-z0-9]){Regex.Escape(leaf)}(?![A-Za-z0-9])", RegexOptions.CultureInvariant);
                if (asWord.IsMatch(clearText) && !asWord.IsMatch(allowedText))
                {
                    yield return leaf;
                }
            }

            foreach (var number in JsonLeaves.Numbers(elements).Where(number => number.Length > 3 && clearNumbers.Contains(number)).Distinct())
            {
                yield return number;
            }
        }
    }

    /// <summary>A copy of the source holding only the elements the policy lets stay clear, as they are in the source.</summary>
    private static Resource AllowListedPartOf(Resource source)
    {
        var policy = SectionPolicy.For(source);
        var part = (Resource)Activator.CreateInstance(source.GetType())!;
        foreach (var (name, value) in source.EnumerateElements())
        {
            if (policy.IsVerbatim(name) || policy.IsClear(source, name, value))
            {
                part.SetValue(name, value);
            }
        }

        return part;
    }
}
