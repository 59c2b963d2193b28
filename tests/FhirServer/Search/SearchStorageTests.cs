using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Tests.Search;

/// <summary>
/// Which parameters are served by other parameters' rows. The access filter's SQL names some
/// parameters literally (Consent's actor, Provenance's target): those must keep their own rows, or
/// the filter would find nothing; AuditEvent's patient it reads through the registry.
/// </summary>
public sealed class SearchStorageTests
{
    private static readonly SearchParameterRegistry Plain = SearchParameterRegistry.Create(ResourceRegistry.Default.ResourceTypes, protectSections: false);

    private static readonly SearchParameterRegistry Protected = SearchParameterRegistry.Create(ResourceRegistry.Default.ResourceTypes, protectSections: true);

    public static TheoryData<string> Configurations => new() { "plain", "protected" };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Given_Observation_When_its_parameters_are_stored_Then_patient_is_subject_to_Patients_and_combo_code_is_code_and_component_code(string configuration)
    {
        var registry = configuration == "plain" ? Plain : Protected;

        Storage(registry, "Observation", "patient").ShouldBe(new SearchStorage(["subject"], "Patient"), new StorageComparer());
        Storage(registry, "Observation", "subject").ShouldBe(new SearchStorage(["subject"], null), new StorageComparer());
        Storage(registry, "Condition", "patient").ShouldBe(new SearchStorage(["subject"], "Patient"), new StorageComparer());
        Storage(registry, "AuditEvent", "patient").Parameters.Order(StringComparer.Ordinal).ShouldBe(["agent", "entity"]);
        Storage(registry, "AuditEvent", "patient").TargetType.ShouldBe("Patient");
        if (configuration == "plain")
        {
            Storage(registry, "Observation", "combo-code").Parameters.Order(StringComparer.Ordinal).ShouldBe(["code", "component-code"]);
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Given_the_parameters_the_access_filter_names_When_stored_Then_each_keeps_its_own_rows(string configuration)
    {
        var registry = configuration == "plain" ? Plain : Protected;

        foreach (var (type, name) in new[] { ("Consent", "actor"), ("Consent", "patient"), ("Provenance", "target") })
        {
            registry.TryGet(type, name, out var parameter).ShouldBeTrue($"{type}.{name}");
            parameter.IsStoredOwn.ShouldBeTrue($"{type}.{name}");
        }
    }

    [Fact]
    public void Given_every_shared_storage_When_followed_Then_it_ends_at_parameters_of_the_same_type_that_keep_their_rows()
    {
        foreach (var registry in new[] { Plain, Protected })
        {
            foreach (var parameter in ResourceRegistry.Default.ResourceTypes.SelectMany(registry.For).Where(p => !p.IsStoredOwn))
            {
                foreach (var name in parameter.Storage.Parameters)
                {
                    registry.TryGet(parameter.ResourceType, name, out var holder).ShouldBeTrue($"{parameter.ResourceType}.{parameter.Name} → {name}");
                    holder.IsStoredOwn.ShouldBeTrue($"{parameter.ResourceType}.{parameter.Name} → {name}");
                    holder.Type.ShouldBe(parameter.Type);
                }
            }
        }
    }

    private static SearchStorage Storage(SearchParameterRegistry registry, string type, string name)
    {
        registry.TryGet(type, name, out var parameter).ShouldBeTrue($"{type}.{name}");
        return parameter.Storage;
    }

    private sealed class StorageComparer : IEqualityComparer<SearchStorage>
    {
        public bool Equals(SearchStorage? x, SearchStorage? y) =>
            x is not null && y is not null && x.TargetType == y.TargetType && x.Parameters.SequenceEqual(y.Parameters);

        public int GetHashCode(SearchStorage obj) => obj.TargetType?.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
