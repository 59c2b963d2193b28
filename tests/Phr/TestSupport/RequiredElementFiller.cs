using System.Collections;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Tests.TestSupport;

/// <summary>
/// Builds an instance of any resource type holding exactly its required elements (min ≥ 1, read
/// from the Firely model), recursively, with planted values: a code is the first of its enum, a
/// concept and a reference carry only text (a reference only a display), a date is 2020-01-02.
/// </summary>
public static class RequiredElementFiller
{
    public const string PlantedText = "Planted protected text";

    public static Resource Create(string resourceType)
    {
        var type = ModelInfo.GetTypeForFhirType(resourceType) ?? throw new ArgumentException(resourceType, nameof(resourceType));
        var resource = (Resource)Fill(type, depth: 0);
        resource.Id = $"filled-{resourceType.ToLowerInvariant()}";
        return resource;
    }

    private static Base Fill(Type type, int depth)
    {
        switch (CreatePrimitiveOrLeaf(type))
        {
            case { } leaf:
                return leaf;
        }

        var mapping = ModelInfo.ModelInspector.FindOrImportClassMapping(type)!;
        var instance = mapping.CreateInstance();
        var required = mapping.PropertyMappings.Where(property => property.IsMandatoryElement).ToList();
        foreach (var property in required)
        {
            instance.SetValue(property.Name, FillProperty(property, depth + 1));
        }

        if (required.Count == 0 && instance is Element element)
        {
            // A complex value needs some content (ele-1); an unknown extension is valid FHIR.
            element.Extension.Add(new Extension("http://planted.example/StructureDefinition/content", new FhirString(PlantedText)));
        }

        return instance;
    }

    private static object FillProperty(PropertyMapping property, int depth)
    {
        var itemType = property.Choice == ChoiceType.DatatypeChoice ? property.FhirType[0] : property.ImplementingType;
        var item = Fill(itemType, depth);
        if (!property.IsCollection)
        {
            return item;
        }

        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(property.ImplementingType))!;
        list.Add(item);
        return list;
    }

    private static Base? CreatePrimitiveOrLeaf(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Code<>))
        {
            var first = Enum.GetValues(type.GetGenericArguments()[0]).GetValue(0)!;
            return (Base)Activator.CreateInstance(type, first)!;
        }

        return type.Name switch
        {
            nameof(Code) => new Code("planted"),
            nameof(FhirString) => new FhirString(PlantedText),
            nameof(Markdown) => new Markdown(PlantedText),
            nameof(FhirBoolean) => new FhirBoolean(true),
            nameof(FhirDateTime) => new FhirDateTime("2020-01-02"),
            nameof(Date) => new Date("2020-01-02"),
            nameof(Instant) => new Instant(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero)),
            nameof(PositiveInt) => new PositiveInt(1),
            nameof(UnsignedInt) => new UnsignedInt(1),
            nameof(Integer) => new Integer(1),
            nameof(FhirDecimal) => new FhirDecimal(1.5m),
            nameof(FhirUri) => new FhirUri("http://planted.example/uri"),
            nameof(Canonical) => new Canonical("http://planted.example/canonical"),
            nameof(Id) => new Id("planted"),
            nameof(CodeableConcept) => new CodeableConcept { Text = PlantedText },
            nameof(Coding) => new Coding("http://planted.example/system", "planted"),
            nameof(ResourceReference) => new ResourceReference { Display = PlantedText },
            _ => null,
        };
    }
}
