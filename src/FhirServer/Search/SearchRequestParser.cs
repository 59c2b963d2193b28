using System.Globalization;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// Reads a FHIR search from its parameters (search.html). Unknown or unsupported parameters are
/// refused with 400 under <c>Prefer: handling=strict</c>, and otherwise ignored and reported in the
/// Bundle's OperationOutcome (lenient, the default).
/// </summary>
public sealed class SearchRequestParser(SearchParameterRegistry registry)
{
    private static readonly HashSet<string> IgnoredControls = new(StringComparer.Ordinal) { "_format", "_pretty" };

    public SearchQuery Parse(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, bool strict)
    {
        var query = new SearchQuery { ResourceType = resourceType };
        foreach (var (rawName, value) in parameters)
        {
            PostgresText.Require(rawName, "search parameter name");
            PostgresText.Require(value, rawName);
            var colon = rawName.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? rawName : rawName[..colon];
            var modifier = colon < 0 ? null : rawName[(colon + 1)..];
            if (IgnoredControls.Contains(name))
            {
                continue;
            }

            if (name != "_cursor")
            {
                query.LinkParameters.Add(new(rawName, value));
            }

            switch (name)
            {
                case "_count":
                    query.Count = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                        ? Math.Clamp(count, 0, SearchLimits.MaxCount)
                        : throw Invalid("_count must be a non-negative integer.", "_count");
                    continue;
                case "_sort":
                    ParseSort(query, value, strict);
                    continue;
                case "_include" or "_revinclude":
                    ParseInclude(query, name, value, strict);
                    continue;
                case "_summary":
                    query.Summary = value switch
                    {
                        "count" => SummaryMode.Count,
                        "true" => SummaryMode.True,
                        "text" => SummaryMode.Text,
                        "data" => SummaryMode.Data,
                        "false" => SummaryMode.False,
                        _ => throw Invalid("_summary must be one of true, text, data, count, false.", "_summary"),
                    };
                    continue;
                case "_elements":
                    query.Elements = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    continue;
                case "_total":
                    query.Total = value switch
                    {
                        "none" => TotalMode.None,
                        "estimate" => TotalMode.Bounded,
                        "accurate" => TotalMode.Accurate,
                        _ => throw Invalid("_total must be none, estimate or accurate.", "_total"),
                    };
                    continue;
                case "_cursor":
                    query.Cursor = DecodeCursor(value);
                    continue;
            }

            var parameter = name switch
            {
                "_id" => CommonParameters.Id,
                "_lastUpdated" => CommonParameters.LastUpdated,
                _ => registry.TryGet(resourceType, name, out var found) ? found : null,
            };
            if (parameter is null)
            {
                Refuse(query, strict, $"The search parameter '{name}' is not supported for {resourceType}.", name);
                continue;
            }

            if (!IsSupportedModifier(parameter, modifier))
            {
                Refuse(query, strict, $"The modifier ':{modifier}' is not supported on '{name}'.", rawName);
                continue;
            }

            var values = modifier == "missing" ? [value] : SplitValues(value);
            if (values.Count == 0 || values.Any(v => v.Length == 0))
            {
                throw Invalid($"The search parameter '{name}' has an empty value.", name);
            }

            query.Conditions.Add(new SearchCondition(parameter, modifier, values));
        }

        return query;
    }

    /// <summary>Comma separates ORed values; <c>\,</c> is a literal comma (search.html#escaping).</summary>
    private static List<string> SplitValues(string value)
    {
        var values = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] is ',' or '$' or '|' or '\\')
            {
                current.Append(value[++i] == '|' ? "\\|" : value[i]);
            }
            else if (value[i] == ',')
            {
                values.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(value[i]);
            }
        }

        values.Add(current.ToString());
        return values;
    }

    private static bool IsSupportedModifier(SearchParameter parameter, string? modifier) => modifier switch
    {
        null or "missing" => true,
        "not" => parameter.Type == SearchParamType.Token,
        "exact" or "contains" => parameter.Type == SearchParamType.String,
        _ => parameter.Type == SearchParamType.Reference && Hl7.Fhir.Model.ModelInfo.IsKnownResource(modifier),
    };

    private void ParseSort(SearchQuery query, string value, bool strict)
    {
        var keys = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length == 0)
        {
            throw Invalid("_sort needs a parameter.", "_sort");
        }

        var first = keys[0];
        var descending = first.StartsWith('-');
        var name = descending ? first[1..] : first;
        var sortable = name == "_lastUpdated"
            || (registry.TryGet(query.ResourceType, name, out var parameter) && parameter.Type == SearchParamType.Date);
        if (!sortable)
        {
            Refuse(query, strict, $"Sorting by '{name}' is not supported; only by _lastUpdated and date parameters.", "_sort");
            return;
        }

        query.Sort = new SortOrder(name, descending)
        {
            Storage = registry.TryGet(query.ResourceType, name, out var dated) ? dated.Storage : new([name], null),
        };
        if (keys.Length > 1)
        {
            Refuse(query, strict, "Only the first _sort key is used; ties are broken by id.", "_sort");
        }
    }

    private void ParseInclude(SearchQuery query, string name, string value, bool strict)
    {
        var parts = value.Split(':');
        var valid = parts.Length is 2 or 3
            && registry.TryGet(parts[0], parts[1], out var parameter)
            && parameter.Type == SearchParamType.Reference
            && (parts.Length == 2 || Hl7.Fhir.Model.ModelInfo.IsKnownResource(parts[2]));
        var revinclude = name == "_revinclude";
        if (valid && !revinclude && parts[0] != query.ResourceType)
        {
            valid = false;
        }

        if (!valid)
        {
            Refuse(query, strict, $"{name}={value} is not supported here.", name);
            return;
        }

        var request = new IncludeRequest(parts[0], parts[1], parts.Length == 3 ? parts[2] : null)
        {
            Storage = registry.TryGet(parts[0], parts[1], out var reference) ? reference.Storage : new([parts[1]], null),
        };
        (revinclude ? query.RevIncludes : query.Includes).Add(request);
    }

    private static void Refuse(SearchQuery query, bool strict, string message, string expression)
    {
        if (strict)
        {
            throw Invalid(message, expression);
        }

        query.Ignored.Add(message);
    }

    private static FhirException Invalid(string message, string expression) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, expression);

    public static string EncodeCursor(PageCursor cursor) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(cursor)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static PageCursor DecodeCursor(string value)
    {
        try
        {
            var base64 = value.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var cursor = JsonSerializer.Deserialize<PageCursor>(Convert.FromBase64String(base64));
            if (cursor?.Id is null)
            {
                throw Invalid("The paging cursor is not valid.", "_cursor");
            }

            PostgresText.Require(cursor.Id, "_cursor");
            return cursor;
        }
        catch (Exception unreadable) when (unreadable is FormatException or JsonException)
        {
            throw Invalid("The paging cursor is not valid.", "_cursor");
        }
    }
}
