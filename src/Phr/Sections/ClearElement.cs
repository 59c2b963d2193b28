using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Sections;

/// <summary>
/// One entry of a resource type's allow-list: a top-level element that stays readable by the
/// cloud, with the reason it reveals nothing about the patient's health. An element that no
/// entry names is protected; an entry with a condition keeps its element clear only for the
/// values that satisfy it (for example a clinical date given as <c>dateTime</c> but not as free text).
/// </summary>
public sealed class ClearElement
{
    private readonly Func<Resource, Base, bool>? _condition;

    internal ClearElement(string name, string why, Func<Resource, Base, bool>? condition, bool verbatim = false)
    {
        Name = name;
        Why = why;
        _condition = condition;
        IsVerbatim = verbatim;
    }

    /// <summary>The element's FHIR name as the type defines it (<c>effective</c> for <c>effective[x]</c>).</summary>
    public string Name { get; }

    /// <summary>Why the element may stay clear; kept with the rule so the policy documents itself.</summary>
    public string Why { get; }

    /// <summary>
    /// True for <c>id</c> and <c>meta</c>, which stay clear as they are: the id addresses the
    /// resource and the server manages meta (version, last updated, tags), so neither is
    /// projected nor carried in a payload.
    /// </summary>
    public bool IsVerbatim { get; }

    /// <summary>True when the element's clearness depends on the resource or on the value's type.</summary>
    public bool IsConditional => _condition is not null;

    /// <summary>Whether this value of the element stays clear in this resource.</summary>
    /// <param name="resource">The resource that holds the element.</param>
    /// <param name="value">The element's value: a FHIR datatype, or a list of them.</param>
    internal bool Admits(Resource resource, object value)
    {
        if (_condition is null)
        {
            return true;
        }

        return value switch
        {
            Base single => _condition(resource, single),
            System.Collections.IEnumerable many => many.Cast<Base>().All(item => _condition(resource, item)),
            _ => false,
        };
    }
}
