using System.Collections;
using System.Globalization;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Operations.Patch;

/// <summary>
/// FHIRPath Patch (FHIR R4 fhirpatch.html): a Parameters resource whose <c>operation</c>
/// parameters add, insert, delete, replace or move elements at FHIRPath locations, applied in
/// order to the resource's model. A path must select one element of the resource (a delete of
/// nothing does nothing); the result is checked again by the strict parser before it is stored.
/// A body that is not a patch is refused with 400, a patch that does not fit the resource with 422.
/// </summary>
public static class FhirPathPatch
{
    private static readonly FhirPathCompilerCache Compiler = new();

    public static void Apply(Resource resource, Parameters patch)
    {
        var index = 0;
        foreach (var parameter in patch.Parameter)
        {
            if (parameter.Name != "operation")
            {
                throw Malformed($"Parameter {index} is '{parameter.Name}'; a FHIRPath Patch holds only 'operation' parameters.", index);
            }

            ApplyOne(resource, Operation.Parse(parameter, index));
            index++;
        }
    }

    private static void ApplyOne(Resource resource, Operation operation)
    {
        switch (operation.Type)
        {
            case "add":
                Add(resource, operation);
                break;
            case "insert":
                Insert(resource, operation);
                break;
            case "delete":
                Delete(resource, operation);
                break;
            case "replace":
                Replace(resource, operation);
                break;
            case "move":
                Move(resource, operation);
                break;
            default:
                throw Malformed($"Operation {operation.Index}: '{operation.Type}' is not a FHIRPath Patch type (add, insert, delete, replace, move).", operation.Index);
        }
    }

    /// <summary>Appends to a list, or sets a single element that is not there yet.</summary>
    private static void Add(Resource resource, Operation operation)
    {
        var container = Single(resource, operation.Path, operation).Poco;
        var name = operation.Require(operation.Name, "name");
        var property = PropertyOf(container, name, operation);
        var value = ValueFor(property, operation);
        if (property.IsCollection)
        {
            ListOf(container, property).Add(value);
            return;
        }

        if (container.TryGetValue(name, out var existing) && existing is not null)
        {
            throw Unprocessable($"Operation {operation.Index}: '{operation.Path}' already has a '{name}'; use replace.", operation.Index);
        }

        container.SetValue(name, value);
    }

    private static void Insert(Resource resource, Operation operation)
    {
        var (container, property) = ListAt(resource, operation);
        var list = ListOf(container, property);
        var position = operation.Require(operation.ListIndex, "index");
        if (position < 0 || position > list.Count)
        {
            throw Unprocessable($"Operation {operation.Index}: index {position} is outside the list of {list.Count}.", operation.Index);
        }

        list.Insert(position, ValueFor(property, operation));
    }

    private static void Delete(Resource resource, Operation operation)
    {
        var matches = Select(resource, operation.Path, operation);
        if (matches.Count == 0)
        {
            return;
        }

        var (parent, property, node) = Located(Exactly(matches, operation), operation);
        if (property.IsCollection && node.Index is { } position)
        {
            ListOf(parent, property).RemoveAt(position);
        }
        else
        {
            parent.SetValue(property.Name, null);
        }
    }

    private static void Replace(Resource resource, Operation operation)
    {
        var (parent, property, node) = Located(Single(resource, operation.Path, operation), operation);
        var value = ValueFor(property, operation);
        if (property.IsCollection && node.Index is { } position)
        {
            ListOf(parent, property)[position] = value;
        }
        else
        {
            parent.SetValue(property.Name, value);
        }
    }

    private static void Move(Resource resource, Operation operation)
    {
        var (container, property) = ListAt(resource, operation);
        var list = ListOf(container, property);
        var source = operation.Require(operation.Source, "source");
        var destination = operation.Require(operation.Destination, "destination");
        if (source < 0 || source >= list.Count || destination < 0 || destination >= list.Count)
        {
            throw Unprocessable($"Operation {operation.Index}: source {source} or destination {destination} is outside the list of {list.Count}.", operation.Index);
        }

        var item = list[source];
        list.RemoveAt(source);
        list.Insert(destination, item);
    }

    /// <summary>
    /// The list a path such as <c>Patient.name[0].given</c> names: the element before the last
    /// step, which must exist once, and the list property the last step names (possibly empty).
    /// </summary>
    private static (Base Container, PropertyMapping Property) ListAt(Resource resource, Operation operation)
    {
        var split = LastStep(operation.Path);
        if (split is null)
        {
            throw Malformed($"Operation {operation.Index}: the path of an {operation.Type} ends in the name of a list, as in Patient.identifier.", operation.Index);
        }

        var container = Single(resource, split.Value.Parent, operation).Poco;
        var property = PropertyOf(container, split.Value.Name, operation);
        return property.IsCollection
            ? (container, property)
            : throw Unprocessable($"Operation {operation.Index}: '{operation.Path}' is not a list.", operation.Index);
    }

    private static (string Parent, string Name)? LastStep(string path)
    {
        var dot = path.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        var name = path[(dot + 1)..].Trim();
        return name.Length > 0 && char.IsAsciiLetterLower(name[0]) && name.All(char.IsAsciiLetterOrDigit)
            ? (path[..dot], name)
            : null;
    }

    private static List<PocoNode> Select(Resource resource, string path, Operation operation)
    {
        try
        {
            return Compiler.Select(resource.ToPocoNode(), path, new FhirEvaluationContext()).ToList();
        }
        catch (Exception unreadable) when (unreadable is FormatException or ArgumentException)
        {
            // The compiler's message quotes the expression back; the operation index is enough.
            throw Malformed($"Operation {operation.Index}: the path is not a FHIRPath expression this server can evaluate.", operation.Index);
        }
        catch (InvalidOperationException)
        {
            throw Unprocessable($"Operation {operation.Index}: the path could not be evaluated on this resource.", operation.Index);
        }
    }

    private static PocoNode Single(Resource resource, string path, Operation operation) => Exactly(Select(resource, path, operation), operation, path);

    private static PocoNode Exactly(List<PocoNode> matches, Operation operation, string? path = null) => matches.Count switch
    {
        1 => matches[0],
        0 => throw Unprocessable($"Operation {operation.Index}: '{path ?? operation.Path}' selects nothing.", operation.Index),
        _ => throw Unprocessable($"Operation {operation.Index}: '{path ?? operation.Path}' selects {matches.Count} elements; it must select one.", operation.Index),
    };

    /// <summary>The element's parent in the resource and the property that holds it.</summary>
    private static (Base Parent, PropertyMapping Property, PocoNode Node) Located(PocoNode node, Operation operation)
    {
        if (node.Parent?.Poco is not { } parent || node.Name is null)
        {
            throw Unprocessable($"Operation {operation.Index}: '{operation.Path}' does not select an element inside the resource.", operation.Index);
        }

        return (parent, PropertyOf(parent, node.Name, operation), node);
    }

    private static PropertyMapping PropertyOf(Base container, string name, Operation operation)
    {
        var mapping = ModelInfo.ModelInspector.FindClassMapping(container.GetType());
        return mapping?.FindMappedElementByName(name) is { } property && property.Name == name
            ? property
            : throw Unprocessable($"Operation {operation.Index}: {container.TypeName} has no element '{name}'.", operation.Index);
    }

    private static IList ListOf(Base container, PropertyMapping property)
    {
        if (container.TryGetValue(property.Name, out var current) && current is IList existing)
        {
            return existing;
        }

        var created = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(property.ImplementingType))!;
        container.SetValue(property.Name, created);
        return created;
    }

    private static Base ValueFor(PropertyMapping property, Operation operation)
    {
        var part = operation.Value ?? throw Malformed($"Operation {operation.Index} ({operation.Type}) needs a 'value'.", operation.Index);
        return Build(property, part, operation);
    }

    /// <summary>
    /// The model value for <paramref name="property"/>: a <c>value[x]</c> as given (primitives are
    /// converted to the element's own primitive type, e.g. a code to a bound code), a resource, or
    /// an element of the property's type assembled from named parts (how backbone elements are written).
    /// </summary>
    private static Base Build(PropertyMapping property, Parameters.ParameterComponent part, Operation operation)
    {
        var target = property.ImplementingType;
        if (part.Value is { } given)
        {
            if (target.IsInstanceOfType(given))
            {
                return given;
            }

            if (given is PrimitiveType primitive && typeof(PrimitiveType).IsAssignableFrom(target) && !target.IsAbstract)
            {
                var converted = (PrimitiveType)Activator.CreateInstance(target)!;
                converted.JsonValue = primitive.JsonValue;
                converted.ElementId = primitive.ElementId;
                converted.Extension.AddRange(primitive.Extension);
                return converted;
            }

            throw Unprocessable($"Operation {operation.Index}: a {given.TypeName} cannot be '{property.Name}' ({property.DeclaringClass.Name}).", operation.Index);
        }

        if (part.Resource is { } resource)
        {
            // A resource value, such as an entry of 'contained'.
            return target.IsInstanceOfType(resource)
                ? resource
                : throw Unprocessable($"Operation {operation.Index}: a {resource.TypeName} cannot be '{property.Name}'.", operation.Index);
        }

        if (part.Part.Count == 0)
        {
            throw Malformed($"Operation {operation.Index}: the value of '{property.Name}' has neither a value[x], a resource nor parts.", operation.Index);
        }

        if (target.IsAbstract || typeof(PrimitiveType).IsAssignableFrom(target) || Activator.CreateInstance(target) is not Base element)
        {
            throw Unprocessable($"Operation {operation.Index}: '{property.Name}' takes a value[x], not parts.", operation.Index);
        }

        foreach (var child in part.Part)
        {
            var childProperty = PropertyOf(element, child.Name ?? "", operation);
            var value = Build(childProperty, child, operation);
            if (childProperty.IsCollection)
            {
                ListOf(element, childProperty).Add(value);
            }
            else
            {
                element.SetValue(childProperty.Name, value);
            }
        }

        return element;
    }

    private static FhirException Malformed(string message, int index) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, Location(index));

    private static FhirException Unprocessable(string message, int index) =>
        new(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Processing, message, Location(index));

    private static string Location(int index) => $"Parameters.parameter[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>One <c>operation</c> parameter, its parts read by name.</summary>
    private sealed record Operation(int Index, string Type, string Path, string? Name, Parameters.ParameterComponent? Value, int? ListIndex, int? Source, int? Destination)
    {
        public static Operation Parse(Parameters.ParameterComponent parameter, int index)
        {
            string? Text(string name) => parameter.Part.FirstOrDefault(p => p.Name == name)?.Value switch
            {
                null => null,
                PrimitiveType primitive => primitive.ToString(),
                _ => throw Malformed($"Operation {index}: '{name}' must be a primitive value.", index),
            };

            int? Number(string name) => parameter.Part.FirstOrDefault(p => p.Name == name)?.Value switch
            {
                null => null,
                Integer { Value: { } number } => number,
                _ => throw Malformed($"Operation {index}: '{name}' must be an integer.", index),
            };

            var type = Text("type") ?? throw Malformed($"Operation {index} needs a 'type'.", index);
            var path = Text("path") ?? throw Malformed($"Operation {index} needs a 'path'.", index);
            return new Operation(index, type, path, Text("name"), parameter.Part.FirstOrDefault(p => p.Name == "value"),
                Number("index"), Number("source"), Number("destination"));
        }

        public T Require<T>(T? value, string part)
            where T : class =>
            value ?? throw Malformed($"Operation {Index} ({Type}) needs a '{part}'.", Index);

        public int Require(int? value, string part) =>
            value ?? throw Malformed($"Operation {Index} ({Type}) needs a '{part}'.", Index);
    }
}
