namespace SeSPHR.FhirServer.Search;

/// <summary>
/// A token search value (search.html#token): <c>code</c> (any system), <c>system|code</c>,
/// <c>|code</c> (no system) or <c>system|</c> (any code of the system); <c>\|</c> is a literal bar.
/// </summary>
/// <param name="System">The system asked for: null for any, empty for "none".</param>
/// <param name="Code">The code asked for; null for any.</param>
public sealed record TokenCriterion(string? System, string? Code)
{
    public static TokenCriterion Parse(string value)
    {
        var bar = IndexOfUnescapedBar(value);
        if (bar < 0)
        {
            return new TokenCriterion(null, Unescape(value));
        }

        var system = Unescape(value[..bar]);
        var code = Unescape(value[(bar + 1)..]);
        return new TokenCriterion(system, code.Length == 0 && system.Length > 0 ? null : code);
    }

    /// <summary>What the SQL predicate on a search_token row (alias <c>x</c>) tests, for values held in memory.</summary>
    public bool Matches(TokenValue token) =>
        (Code is null || token.Code == Code)
        && System switch
        {
            null => true,
            "" => token.System is null,
            var system => token.System == system,
        };

    private static int IndexOfUnescapedBar(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\')
            {
                i++;
            }
            else if (value[i] == '|')
            {
                return i;
            }
        }

        return -1;
    }

    private static string Unescape(string value) => value.Replace("\\|", "|", StringComparison.Ordinal);
}
