using System.Collections;
using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// The part of an allow-listed element that may stay clear. Free-text and open-ended detail
/// inside it is protected with the rest of the section: element ids, extensions and modifier
/// extensions at every depth, a reference's <c>display</c> and <c>identifier</c> (a name or a
/// medical record number), a reference to a contained resource (<c>#id</c>: its target is
/// protected with the container), a concept's <c>text</c>. When nothing of an element is left (or an
/// item of a list would be empty), the element is protected as a whole.
/// </summary>
internal static class ClearProjection
{
    /// <summary>The clear projection of a value, or null when nothing of it can stay clear.</summary>
    public static object? Project(object value) => value switch
    {
        IList list => ProjectList(list),
        Base single => ProjectItem(single),
        _ => throw new ArgumentException($"Not a FHIR element value: {value.GetType().Name}.", nameof(value)),
    };

    private static IList? ProjectList(IList list)
    {
        var projected = FhirElements.NewListLike(list);
        foreach (var item in list)
        {
            var projectedItem = ProjectItem((Base)item!);
            if (projectedItem is null)
            {
                return null;
            }

            projected.Add(projectedItem);
        }

        return projected.Count == 0 ? null : projected;
    }

    private static Base? ProjectItem(Base item)
    {
        var copy = item.DeepCopy();
        Strip(copy);
        return FhirElements.IsEmpty(copy) ? null : copy;
    }

    private static void Strip(Base node)
    {
        foreach (var (name, child) in node.EnumerateElements().ToList())
        {
            if (IsProtectedDetail(node, name))
            {
                node.SetValue(name, null);
            }
            else if (child is Base single)
            {
                Strip(single);
            }
            else if (child is IList list)
            {
                foreach (var item in list.OfType<Base>())
                {
                    Strip(item);
                }
            }
        }
    }

    private static bool IsProtectedDetail(Base node, string name) =>
        name is "id" or "extension" or "modifierExtension"
        || (node is ResourceReference && name is "display" or "identifier")
        || (node is ResourceReference { Reference: { } reference } && name == "reference" && reference.StartsWith('#'))
        || (node is CodeableConcept && name == "text");
}
