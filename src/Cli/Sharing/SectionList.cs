using SeSPHR.Cli.Commands;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Sharing;

/// <summary>Section codes as typed: <c>vitals,medical</c> (or <c>all</c>).</summary>
internal static class SectionList
{
    public static IReadOnlyList<PhrSection> Parse(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed))
        {
            return [];
        }

        if (typed.Trim() == "all")
        {
            return PhrSectionCodes.All;
        }

        return [.. typed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(code =>
            PhrSectionCodes.TryParse(code, out var section)
                ? section
                : throw new CliException(ExitCodes.Usage, $"'{code}' is not a section; the sections are {string.Join(", ", PhrSectionCodes.All.Select(s => s.ToCode()))} (or all)."))
            .Distinct()];
    }

    public static string Format(IEnumerable<PhrSection> sections) => string.Join(",", sections.Select(s => s.ToCode()));
}
