using System.Collections;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// Element-level helpers over the Firely model. An element value, as <see cref="Base.EnumerateElements"/>
/// yields it, is either one FHIR datatype or a list of them; these helpers treat both alike.
/// </summary>
internal static class FhirElements
{
    public static ModelInspector Inspector => ModelInfo.ModelInspector;

    public static ClassMapping ClassOf(Base instance) =>
        Inspector.FindOrImportClassMapping(instance.GetType())
        ?? throw new InvalidOperationException($"The FHIR model has no mapping for {instance.GetType().Name}.");

    public static PropertyMapping PropertyOf(Base instance, string elementName) =>
        ClassOf(instance).FindMappedElementByName(elementName)
        ?? throw new InvalidOperationException($"{instance.TypeName} has no element '{elementName}'.");

    public static bool IsChoice(Base instance, string elementName) =>
        PropertyOf(instance, elementName).Choice != ChoiceType.None;

    public static bool AreExactly(object left, object right) => (left, right) switch
    {
        (Base a, Base b) => a.IsExactly(b),
        (IList a, IList b) => a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => AreExactly(a[i]!, b[i]!)),
        _ => false,
    };

    public static object DeepCopy(object value) => value switch
    {
        Base single => single.DeepCopy(),
        IList list => CopyList(list),
        _ => throw new ArgumentException($"Not a FHIR element value: {value.GetType().Name}.", nameof(value)),
    };

    /// <summary>True when the value holds nothing; a primitive's own value is not one of its enumerated elements.</summary>
    public static bool IsEmpty(Base value) =>
        (value is not PrimitiveType primitive || primitive.JsonValue is null) && !value.EnumerateElements().Any();

    /// <summary>A new, empty list of the same element type as <paramref name="list"/>.</summary>
    public static IList NewListLike(IList list) =>
        (IList)(Activator.CreateInstance(list.GetType())
            ?? throw new InvalidOperationException($"Cannot create a {list.GetType().Name}."));

    private static IList CopyList(IList list)
    {
        var copy = NewListLike(list);
        foreach (var item in list)
        {
            copy.Add(((Base)item!).DeepCopy());
        }

        return copy;
    }
}
