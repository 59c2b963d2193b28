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
    IReadOnlyList<string> Targets)
{
    /// <summary>Where its values are stored; by default, under its own name.</summary>
    public SearchStorage Storage { get; init; } = new([Name], null);

    /// <summary>Whether the indexer writes rows under this parameter's own name (false: another parameter's rows serve it).</summary>
    public bool IsStoredOwn => Storage.TargetType is null && Storage.Parameters is [var only] && only == Name;
}

/// <summary>
/// The rows that hold a parameter's values: those of <see cref="Parameters"/> and, when
/// <see cref="TargetType"/> is set, only references to that type. Several standard parameters
/// select the same values as others (Observation's <c>patient</c> is <c>subject</c> restricted to
/// Patients, <c>combo-code</c> is <c>code</c> and <c>component-code</c> together); storing them
/// again cost every create rows and index entries that no query needs.
/// </summary>
public sealed record SearchStorage(IReadOnlyList<string> Parameters, string? TargetType);

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
    /// (<c>Observation.component.code</c>), possibly with one cast
    /// (<c>(Observation.value as CodeableConcept).text</c>); null for anything else (functions,
    /// unions). Nearly every parameter has one of these shapes, and walking the POCOs by name finds
    /// the same values as the FHIRPath engine at a small part of its cost (the engine was a sixth
    /// of a create's server time).
    /// </summary>
    public IReadOnlyList<string>? PlainPath => _walk?.Names;

    private readonly Walk? _walk = Walk.Of(FhirPath);

    /// <summary>The values this expression selects in <paramref name="resource"/>.</summary>
    public List<Base> Evaluate(Resource resource, Func<Hl7.Fhir.Model.PocoNode> root, Hl7.FhirPath.EvaluationContext context)
    {
        if (_walk is not { Names: var path, CastTo: var castTo, CastAfter: var castAfter })
        {
            return Compiled(root(), context).Select(node => node.Poco).OfType<Base>().ToList();
        }

        var values = new List<Base> { resource };
        for (var step = 0; step < path.Length; step++)
        {
            if (step == castAfter)
            {
                values = values.Where(castTo!.IsInstanceOfType).ToList();
            }

            var next = new List<Base>();
            foreach (var value in values)
            {
                if (!value.TryGetValue(path[step], out var child))
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

        return castAfter == path.Length ? values.Where(castTo!.IsInstanceOfType).ToList() : values;
    }

    /// <summary>
    /// A plain path as element names; for a cast, the class of the values kept (FHIRPath's
    /// <c>as</c> keeps values of that type or one derived from it) and how many names come before
    /// it (-1: no cast).
    /// </summary>
    private sealed record Walk(string[] Names, Type? CastTo, int CastAfter)
    {
        public static Walk? Of(string fhirPath)
        {
            var match = PlainPathPattern().Match(fhirPath);
            if (!match.Success)
            {
                return null;
            }

            var before = match.Groups["path"].Value.Split('.')[1..];
            string[] names = [.. before, .. match.Groups["rest"].Value.Split('.', StringSplitOptions.RemoveEmptyEntries)];
            if (!match.Groups["type"].Success)
            {
                return new Walk(names, null, -1);
            }

            var castTo = ModelInfo.ModelInspector.FindClassMapping(match.Groups["type"].Value)?.NativeType;
            return castTo is null ? null : new Walk(names, castTo, before.Length);
        }
    }

    [GeneratedRegex(@"^(?<path>[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+)$|^\((?<path>[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+) as (?<type>[A-Za-z]+)\)(?<rest>(\.[a-z][A-Za-z]*)*)$")]
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

            byType[type] = ShareStorage(parameters);
        }

        return new SearchParameterRegistry(byType);
    }

    /// <summary>
    /// Points each parameter whose values other parameters' rows already hold at those rows: a
    /// parameter whose paths are exactly those of smaller parameters of the same type together, and
    /// a reference parameter restricted to one target type (<c>where(resolve() is Patient)</c>) over
    /// the paths of unrestricted ones (AuditEvent's <c>patient</c>: <c>agent</c> and <c>entity</c>
    /// rows that point at Patients). Parameters are settled smallest first (of
    /// equal size, unrestricted before restricted), and only ever point at parameters that keep
    /// their own rows, so no two point at each other.
    /// </summary>
    private static Dictionary<string, SearchParameter> ShareStorage(Dictionary<string, SearchParameter> parameters)
    {
        static HashSet<string> PathsOf(SearchParameter parameter) => parameter.Expressions.Select(e => e.FhirPath).ToHashSet(StringComparer.Ordinal);

        static bool Unrestricted(SearchParameter parameter) => parameter.Expressions.All(e => e.RequiredTargetType is null);

        var own = new List<SearchParameter>();
        var result = new Dictionary<string, SearchParameter>(StringComparer.Ordinal);
        foreach (var parameter in parameters.Values.OrderBy(p => p.Expressions.Count).ThenBy(p => Unrestricted(p) ? 0 : 1).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            var paths = PathsOf(parameter);
            var targets = parameter.Expressions.Select(e => e.RequiredTargetType).Distinct().ToList();
            SearchStorage? shared = null;
            // One target for every path (a reference parameter restricted to it), or none.
            if (targets is [var target] && (target is null || parameter.Type == SearchParamType.Reference))
            {
                var parts = own.Where(o => o.Type == parameter.Type && Unrestricted(o) && PathsOf(o).IsSubsetOf(paths)).ToList();
                if (parts.Count > 0 && parts.SelectMany(PathsOf).ToHashSet(StringComparer.Ordinal).SetEquals(paths))
                {
                    shared = new SearchStorage(parts.Select(p => p.Name).ToList(), target);
                }
            }

            if (shared is null)
            {
                own.Add(parameter);
                result[parameter.Name] = parameter;
            }
            else
            {
                result[parameter.Name] = parameter with { Storage = shared };
            }
        }

        return result;
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
