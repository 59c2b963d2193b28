using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Search;

/// <summary>One search parameter as this server indexes and queries it.</summary>
/// <param name="ResourceType">The type it searches.</param>
/// <param name="Name">Its code in the URL (<c>subject</c>, <c>date</c>).</param>
/// <param name="Type">token, reference, date or string.</param>
/// <param name="Expressions">The FHIRPath of each value source, for this type only.</param>
/// <param name="Targets">For a reference parameter, the types it may point to.</param>
public sealed record SearchParameter(
    string ResourceType,
    string Name,
    SearchParamType Type,
    IReadOnlyList<SearchExpression> Expressions,
    IReadOnlyList<string> Targets);

/// <summary>
/// A FHIRPath value source of a parameter. <c>where(resolve() is X)</c> cannot run without a
/// resolver, so it is kept apart as <see cref="RequiredTargetType"/> and checked on the reference.
/// </summary>
public sealed partial record SearchExpression(string FhirPath, string Element, string? RequiredTargetType)
{
    private static readonly Hl7.FhirPath.FhirPathCompiler Compiler = new();

    /// <summary>
    /// Compiled once per parameter. The SDK's shared expression cache holds 500 entries and
    /// evicts under a lock, which cost a seventh of the server's CPU on transaction imports.
    /// </summary>
    public Hl7.FhirPath.CompiledExpression Compiled { get; } = Compiler.Compile(FhirPath);

    /// <summary>
    /// The element names after the type when the expression is a plain path
    /// (<c>Observation.component.code</c>) or a cast of one (<c>(Observation.value as Quantity)</c>);
    /// null for anything else (functions, unions). Most parameters have one of these two shapes,
    /// and walking the POCOs by name finds the same values as the FHIRPath engine at a small part
    /// of its cost (the engine was a sixth of a create's server time).
    /// </summary>
    public IReadOnlyList<string>? PlainPath { get; } = PathOf(FhirPath);

    /// <summary>For a cast, the class of the values kept: FHIRPath's <c>as</c> keeps values of that type or one derived from it.</summary>
    private Type? CastTo { get; } = CastOf(FhirPath);

    /// <summary>The values this expression selects in <paramref name="resource"/>.</summary>
    public List<Base> Evaluate(Resource resource, Func<Hl7.Fhir.Model.PocoNode> root, Hl7.FhirPath.EvaluationContext context)
    {
        if (PlainPath is not { } path)
        {
            return Compiled(root(), context).Select(node => node.Poco).OfType<Base>().ToList();
        }

        var values = new List<Base> { resource };
        foreach (var name in path)
        {
            var next = new List<Base>();
            foreach (var value in values)
            {
                if (!value.TryGetValue(name, out var child))
                {
                    continue;
                }

                if (child is Base single)
                {
                    next.Add(single);
                }
                else if (child is System.Collections.IEnumerable list)
                {
                    next.AddRange(list.OfType<Base>());
                }
            }

            values = next;
        }

        return CastTo is { } type ? values.Where(type.IsInstanceOfType).ToList() : values;
    }

    private static string[]? PathOf(string fhirPath)
    {
        var match = PlainPathPattern().Match(fhirPath);
        if (!match.Success || (match.Groups["type"].Success && CastOf(fhirPath) is null))
        {
            return null;
        }

        return match.Groups["path"].Value.Split('.')[1..];
    }

    private static Type? CastOf(string fhirPath) =>
        PlainPathPattern().Match(fhirPath) is { Success: true } match && match.Groups["type"].Success
            ? ModelInfo.ModelInspector.FindClassMapping(match.Groups["type"].Value)?.NativeType
            : null;

    [GeneratedRegex(@"^(?<path>[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+)$|^\((?<path>[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+) as (?<type>[A-Za-z]+)\)$")]
    private static partial Regex PlainPathPattern();
}

/// <summary>
/// The search parameters the server offers: the standard R4 parameters of each supported type
/// whose values all come from elements the section policy keeps clear. A parameter on a protected
/// element is never offered, so no query can probe protected content, and the server only ever
/// indexes the clear part of a resource anyway.
/// </summary>
public sealed partial class SearchParameterRegistry
{
    private static readonly SearchParamType[] IndexedTypes = [SearchParamType.Token, SearchParamType.Reference, SearchParamType.Date, SearchParamType.String];

    private readonly Dictionary<string, Dictionary<string, SearchParameter>> _byType;

    private SearchParameterRegistry(Dictionary<string, Dictionary<string, SearchParameter>> byType) => _byType = byType;

    /// <summary>No parameters at all (for parsing paging state only).</summary>
    public static SearchParameterRegistry Empty { get; } = new([]);

    public static SearchParameterRegistry Create(IEnumerable<string> resourceTypes, bool protectSections)
    {
        var byType = new Dictionary<string, Dictionary<string, SearchParameter>>(StringComparer.Ordinal);
        foreach (var type in resourceTypes)
        {
            var parameters = new Dictionary<string, SearchParameter>(StringComparer.Ordinal);
            var policy = SectionPolicy.IsSupported(type) ? SectionPolicy.For(type) : null;
            foreach (var definition in ModelInfo.SearchParameters.Where(d => d.Resource == type && IndexedTypes.Contains(d.Type) && d.Expression is not null))
            {
                var expressions = ExpressionsFor(type, definition.Expression!);
                if (expressions.Count == 0)
                {
                    continue;
                }

                if (protectSections && policy is not null && !expressions.All(e => policy.Names(e.Element)))
                {
                    continue;
                }

                parameters[definition.Name!] = new SearchParameter(
                    type,
                    definition.Name!,
                    definition.Type,
                    expressions,
                    definition.Target?.Select(t => t.GetLiteral()).ToList() ?? []);
            }

            byType[type] = parameters;
        }

        return new SearchParameterRegistry(byType);
    }

    public IReadOnlyCollection<SearchParameter> For(string resourceType) =>
        _byType.TryGetValue(resourceType, out var parameters) ? parameters.Values : [];

    public bool TryGet(string resourceType, string name, out SearchParameter parameter)
    {
        parameter = null!;
        return _byType.TryGetValue(resourceType, out var parameters) && parameters.TryGetValue(name, out parameter!);
    }

    /// <summary>Splits a (possibly multi-type) expression into this type's parts.</summary>
    internal static List<SearchExpression> ExpressionsFor(string resourceType, string expression)
    {
        var result = new List<SearchExpression>();
        foreach (var raw in SplitTopLevel(expression))
        {
            var part = raw.Trim();
            var element = ElementPattern().Match(part);
            if (!element.Success || element.Groups["type"].Value != resourceType)
            {
                continue;
            }

            // Only plain paths, 'as' casts and where(resolve() is X) are indexed; anything else
            // (exists(), comparisons) is not a value source this server understands.
            var resolve = ResolvePattern().Match(part);
            var path = resolve.Success ? part.Remove(resolve.Index, resolve.Length) : part;
            if (UnsupportedFunction().IsMatch(path))
            {
                continue;
            }

            result.Add(new SearchExpression(path, element.Groups["element"].Value, resolve.Success ? resolve.Groups["target"].Value : null));
        }

        return result;
    }

    private static IEnumerable<string> SplitTopLevel(string expression)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < expression.Length; i++)
        {
            switch (expression[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '|' when depth == 0:
                    yield return expression[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return expression[start..];
    }

    [GeneratedRegex(@"^\(?(?<type>[A-Z][A-Za-z]+)\.(?<element>[a-z][A-Za-z]*)")]
    private static partial Regex ElementPattern();

    [GeneratedRegex(@"\.where\(resolve\(\) is (?<target>[A-Z][A-Za-z]+)\)")]
    private static partial Regex ResolvePattern();

    [GeneratedRegex(@"\.(exists|where|resolve|extension|ofType|first|not|empty)\(|\s(and|or|!=|=)\s")]
    private static partial Regex UnsupportedFunction();
}
