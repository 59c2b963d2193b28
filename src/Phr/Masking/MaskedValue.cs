using System.Collections;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// Placeholders for protected elements that the R4 base definition requires (min ≥ 1), so the
/// clear part stays valid FHIR for a client that knows nothing of SeSPHR. A placeholder carries
/// no data: only the data-absent-reason extension with <c>masked</c> — on a primitive as
/// <c>_element</c>, on a complex value as its only extension — plus, recursively, placeholders
/// for the children the datatype itself requires. Required elements are read from the Firely
/// model's cardinality, never hard-coded.
/// </summary>
public static class MaskedValue
{
    public const string DataAbsentReasonExtensionUrl = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
    public const string DataAbsentReasonSystem = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
    public const string MaskedCode = "masked";

    // Backbone elements nest a few levels at most; the bound only guards against a model cycle.
    private const int MaxDepth = 8;

    /// <summary>The data-absent-reason extension with value <c>masked</c>.</summary>
    public static Extension MaskedExtension() => new(DataAbsentReasonExtensionUrl, new Code(MaskedCode));

    /// <summary>The <c>Observation.dataAbsentReason</c> that stands for a protected value[x].</summary>
    public static CodeableConcept MaskedDataAbsentReason() => new()
    {
        Coding = [new Coding(DataAbsentReasonSystem, MaskedCode, "Masked")],
    };

    public static bool IsMaskedDataAbsentReason(CodeableConcept? concept) =>
        concept is not null && concept.IsExactly(MaskedDataAbsentReason());

    /// <summary>
    /// A placeholder for the element: a single value, or a one-item list for a repeating element.
    /// A choice element gets the first type the definition allows, so the placeholder's type
    /// never depends on the protected value.
    /// </summary>
    public static object For(PropertyMapping element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return Create(element, depth: 0);
    }

    /// <summary>True when the value carries nothing but masked placeholders.</summary>
    public static bool IsPlaceholder(object? value) => value switch
    {
        IList list => list.Count > 0 && list.Cast<object>().All(IsPlaceholder),
        Element element => IsPlaceholderElement(element),
        _ => false,
    };

    private static object Create(PropertyMapping element, int depth)
    {
        var itemType = element.Choice == ChoiceType.DatatypeChoice ? element.FhirType[0] : element.ImplementingType;
        var item = CreateItem(itemType, depth);
        if (!element.IsCollection)
        {
            return item;
        }

        var list = FhirElements.Inspector.FindOrImportClassMapping(element.ImplementingType)!.CreateList();
        list.Add(item);
        return list;
    }

    private static Base CreateItem(Type type, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"Required elements of {type.Name} nest deeper than {MaxDepth} levels.");
        }

        var mapping = FhirElements.Inspector.FindOrImportClassMapping(type)
            ?? throw new InvalidOperationException($"The FHIR model has no mapping for {type.Name}.");
        var instance = mapping.CreateInstance();
        if (instance is Element element)
        {
            element.Extension.Add(MaskedExtension());
        }

        foreach (var required in mapping.PropertyMappings.Where(property => property.IsMandatoryElement))
        {
            instance.SetValue(required.Name, Create(required, depth + 1));
        }

        return instance;
    }

    private static bool IsPlaceholderElement(Element element) =>
        (element is not PrimitiveType primitive || primitive.JsonValue is null)
        && element.Extension.Count == 1
        && element.Extension[0].IsExactly(MaskedExtension())
        && element.EnumerateElements().All(child => child.Key == "extension" || IsPlaceholder(child.Value));
}
