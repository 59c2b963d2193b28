using System.Globalization;
using System.Text;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Search;

/// <summary>Extracts the values of every offered search parameter from a resource's clear part.</summary>
public sealed class SearchIndexer(SearchParameterRegistry registry)
{
    public SearchIndex Extract(Resource resource) => Extract(resource, null);

    /// <summary>
    /// The values of the named parameters only (null: all): each parameter costs a FHIRPath
    /// evaluation, so a writer that indexes a few parameters need not evaluate the others.
    /// </summary>
    public SearchIndex Extract(Resource resource, IReadOnlySet<string>? parameters)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var index = new SearchIndex();
        // Built only when some expression needs the FHIRPath engine.
        Hl7.Fhir.Model.PocoNode? root = null;
        Hl7.Fhir.Model.PocoNode Root() => root ??= resource.ToPocoNode(ModelInfo.ModelInspector);
        var context = new FhirEvaluationContext();
        // Parameters that keep their own rows may still share a path (a type's date and its
        // clinical date): each path is evaluated once per resource.
        var evaluated = new Dictionary<string, List<Base>>(StringComparer.Ordinal);
        // A parameter served by another's rows (SearchStorage) writes none of its own; a writer
        // that asks for it gets the rows that serve it.
        var wanted = parameters is null
            ? null
            : registry.For(resource.TypeName).Where(p => parameters.Contains(p.Name)).SelectMany(p => p.Storage.Parameters).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in registry.For(resource.TypeName).Where(p => p.IsStoredOwn && (wanted is null || wanted.Contains(p.Name))))
        {
            foreach (var expression in parameter.Expressions)
            {
                // Every expression starts at one element of the resource; most of a type's thirty
                // parameters name elements this resource does not have, and asking the POCO is
                // far cheaper than running the FHIRPath to find nothing.
                if (!resource.TryGetValue(expression.Element, out _))
                {
                    continue;
                }

                if (!evaluated.TryGetValue(expression.FhirPath, out var values))
                {
                    try
                    {
                        values = expression.Evaluate(resource, Root, context);
                    }
                    catch (InvalidOperationException)
                    {
                        continue;
                    }

                    evaluated[expression.FhirPath] = values;
                }

                foreach (var value in values)
                {
                    Add(index, parameter, expression, value);
                }
            }
        }

        return index;
    }

    private static void Add(SearchIndex index, SearchParameter parameter, SearchExpression expression, Base value)
    {
        switch (parameter.Type)
        {
            case SearchParamType.Token:
                foreach (var (system, code) in Tokens(value))
                {
                    index.Tokens.Add(new TokenValue(parameter.Name, system, code));
                }

                break;
            case SearchParamType.Reference:
                if (value is ResourceReference { Reference: { } reference } && ReferenceTarget.TryParse(reference, out var target)
                    && (expression.RequiredTargetType is null || expression.RequiredTargetType == target.Type))
                {
                    index.References.Add(new ReferenceValue(parameter.Name, target.Type, target.Id));
                }

                break;
            case SearchParamType.Date:
                if (DateRange(value) is { } range)
                {
                    index.Dates.Add(new DateValue(parameter.Name, range.Low, range.High));
                }

                break;
            case SearchParamType.String:
                foreach (var text in Strings(value))
                {
                    index.Strings.Add(new StringValue(parameter.Name, Normalize(text), text));
                }

                break;
        }
    }

    private static IEnumerable<(string? System, string Code)> Tokens(Base value)
    {
        switch (value)
        {
            case CodeableConcept concept:
                foreach (var coding in concept.Coding)
                {
                    if (coding.Code is { } code)
                    {
                        yield return (coding.System, code);
                    }
                }

                break;
            case Coding { Code: not null } coding:
                yield return (coding.System, coding.Code);
                break;
            case Identifier { Value: not null } identifier:
                yield return (identifier.System, identifier.Value);
                break;
            case ContactPoint { Value: not null } contact:
                yield return (null, contact.Value);
                break;
            case FhirBoolean { Value: { } flag }:
                yield return (null, flag ? "true" : "false");
                break;
            case PrimitiveType primitive when primitive.ToString() is { Length: > 0 } text:
                yield return (null, text);
                break;
        }
    }

    private static FhirDateRange? DateRange(Base value)
    {
        switch (value)
        {
            case Period period:
                var low = FhirDateRange.TryParse(period.Start, out var start) ? start.Low : FhirDateRange.Beginning;
                var high = FhirDateRange.TryParse(period.End, out var end) ? end.High : FhirDateRange.Unbounded;
                return period.Start is null && period.End is null ? null : new FhirDateRange(low, high);
            case PrimitiveType primitive when FhirDateRange.TryParse(primitive.ToString(), out var range):
                return range;
            default:
                return null;
        }
    }

    private static IEnumerable<string> Strings(Base value) => value switch
    {
        HumanName name => new[] { name.Family, name.Text }.Concat(name.Given).Concat(name.Prefix).Concat(name.Suffix).OfType<string>(),
        Address address => new[] { address.City, address.State, address.PostalCode, address.Country, address.District, address.Text }
            .Concat(address.Line).OfType<string>(),
        FhirString { Value: { } text } => [text],
        Markdown { Value: { } text } => [text],
        _ => [],
    };

    /// <summary>FHIR string search ignores case and accents (search.html#string).</summary>
    public static string Normalize(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }
}
