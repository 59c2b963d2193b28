using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Records;
using SeSPHR.Contracts;
using SeSPHR.Portal.Pages.Sharing;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.AccessLog;

/// <summary>
/// Who read or changed which part of the patient's record, newest first, a page at a time, from the
/// FhirServer's audit trail (<see cref="Client.Records.AccessLog"/>); people are named as the key
/// directory knows them. The paging cursor in the links is the FhirServer's opaque position in the
/// trail, not a value of the record.
/// </summary>
[Authorize(Roles = SrsRoles.Patient)]
public sealed class IndexModel(CurrentUser current, ReaderTimeZone zone) : PageModel
{
    public const int DefaultPageSize = 25;

    public static IReadOnlyList<int> PageSizes { get; } = [10, 25, 50, 100];

    public IReadOnlyList<AccessRow> Rows { get; private set; } = [];

    public int Size { get; private set; } = DefaultPageSize;

    public string? Next { get; private set; }

    public string? Previous { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(int? size = null, string? cursor = null)
    {
        Size = size is >= 1 and <= 100 ? size.Value : DefaultPageSize;
        var patient = current.User;
        var response = await Client.Records.AccessLog.SearchAsync(patient, Size, cursor);
        if (!response.IsSuccess)
        {
            // A cursor that is not the server's (edited by hand) or one the server no longer accepts.
            Problem = "This page of the access log could not be shown. Start again from the newest events.";
            return;
        }

        var page = Client.Records.AccessLog.PageOf(response);
        (Next, Previous) = (page.NextCursor, page.PreviousCursor);
        IReadOnlyDictionary<string, string> names;
        try
        {
            names = await Client.Records.AccessLog.NamesAsync(patient, page.Entries);
        }
        catch (SrsUnavailableException)
        {
            names = new Dictionary<string, string>();
            Problem = "The key server is not reachable, so people are shown by their record reference instead of their username.";
        }

        Rows = [.. page.Entries.Select(e => AccessRow.Of(e, names, patient.RequireUserId, zone))];
    }
}

/// <summary>One line of the access log in words.</summary>
public sealed record AccessRow(string When, string Who, string Interaction, string Parts, string Outcome)
{
    /// <summary>The row of <paramref name="entry"/>, its time in the reader's zone (the column names the zone).</summary>
    public static AccessRow Of(AccessLogEntry entry, IReadOnlyDictionary<string, string> names, string ownUserId, ReaderTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(zone);
        var who = entry.WhoUserId == ownUserId ? "You"
            : entry.WhoUserId is { } id && names.TryGetValue(id, out var username) ? username
            : entry.Who;
        var parts = entry.Sections.Count > 0
            ? string.Join(", ", entry.Sections.Select(SectionNames.Of))
            : string.Join(", ", entry.Resources.Select(r => r.Split('/')[0]).Distinct());
        return new AccessRow(
            entry.When is { } when ? zone.Format(when, "yyyy-MM-dd HH:mm:ss") : "",
            who,
            entry.Interaction,
            parts,
            entry.Outcome);
    }
}
