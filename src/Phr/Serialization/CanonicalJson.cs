using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SeSPHR.Phr.Serialization;

/// <summary>
/// One unambiguous text for a JSON value: object members sorted by name (ordinal, i.e. by UTF-16
/// code units, as RFC 8785), no whitespace, strings escaped as RFC 8785 does (only <c>"</c>,
/// <c>\</c> and control characters; <c>\b \t \n \f \r</c> short forms, others as lower-case
/// <c>\u00xx</c>). Numbers keep the lexical form the FHIR serializer wrote, because a FHIR
/// decimal's precision is part of its value (1.50 is not 1.5).
/// </summary>
internal static class CanonicalJson
{
    /// <summary>The canonical text of the value; <paramref name="skipProperty"/> leaves one member of a top-level object out.</summary>
    public static string Write(JsonElement element, string? skipProperty = null)
    {
        var builder = new StringBuilder();
        Append(builder, element, skipProperty);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, JsonElement element, string? skipProperty = null)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject()
                             .Where(property => property.Name != skipProperty)
                             .OrderBy(property => property.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    AppendString(builder, property.Name);
                    builder.Append(':');
                    Append(builder, property.Value);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index++ > 0)
                    {
                        builder.Append(',');
                    }

                    Append(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number:
                builder.Append(element.GetRawText());
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Null:
                builder.Append("null");
                break;
            default:
                throw new ArgumentException($"Unexpected JSON value kind {element.ValueKind}.", nameof(element));
        }
    }

    private static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var character in value)
        {
            switch (character)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\t': builder.Append("\\t"); break;
                case '\n': builder.Append("\\n"); break;
                case '\f': builder.Append("\\f"); break;
                case '\r': builder.Append("\\r"); break;
                case < ' ':
                    builder.Append("\\u").Append(((int)character).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(character); break;
            }
        }

        builder.Append('"');
    }
}
