using System.Collections;
using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The rule for text bound for PostgreSQL: a <c>text</c> or <c>jsonb</c> value cannot hold NUL
/// (U+0000), and UTF-8 cannot encode a lone UTF-16 surrogate. Every way text from a request
/// reaches the database (a search parameter, a resource's elements, a paging cursor) passes this
/// check first, so such text is the client's error (400 naming where it is), not a database
/// failure (500). The refusal never quotes the text.
/// </summary>
public static class PostgresText
{
    public static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>400 when <paramref name="text"/> cannot be stored; <paramref name="location"/> names where it came from.</summary>
    public static void Require(string text, string location)
    {
        if (!IsStorable(text))
        {
            throw Refusal(location);
        }
    }

    /// <summary>400 naming the first element of <paramref name="resource"/> (contained resources and extensions included) whose text cannot be stored.</summary>
    public static void Require(Resource resource)
    {
        if (FirstUnstorable(resource, resource.TypeName) is { } location)
        {
            throw Refusal(location);
        }
    }

    /// <summary>
    /// True when the database refused a value of the request rather than failed: a data exception
    /// (SQLSTATE class 22: a character or number it cannot represent) or a value too large for an
    /// index (54000). The checks above keep these from the database; this is the backstop that
    /// keeps a value they do not foresee a 400 instead of a 500.
    /// </summary>
    public static bool IsRefusedValue(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Npgsql.PostgresException { SqlState: ['2', '2', ..] or "54000" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The answer for a value the database refused; it names no value.</summary>
    public static FhirException RefusedValue() =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "The request holds a value this server cannot store or search (too long, or out of range).");

    private static string? FirstUnstorable(Base node, string path)
    {
        if (node is PrimitiveType { JsonValue: { } own } && !IsStorable(Convert.ToString(own, CultureInfo.InvariantCulture) ?? ""))
        {
            return path;
        }

        foreach (var (name, value) in node.EnumerateElements())
        {
            var found = value switch
            {
                string text when !IsStorable(text) => $"{path}.{name}",
                Base child => FirstUnstorable(child, $"{path}.{name}"),
                IEnumerable list and not string => FirstUnstorable(list, $"{path}.{name}"),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static string? FirstUnstorable(IEnumerable list, string path)
    {
        var index = 0;
        foreach (var item in list)
        {
            var found = item switch
            {
                string text when !IsStorable(text) => $"{path}[{index}]",
                Base child => FirstUnstorable(child, $"{path}[{index}]"),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }

            index++;
        }

        return null;
    }

    private static FhirException Refusal(string location) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
            $"{location} holds a NUL character or a lone UTF-16 surrogate, which this server cannot store.", location);
}
