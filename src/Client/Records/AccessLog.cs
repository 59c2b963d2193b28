using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;

namespace SeSPHR.Client.Records;

/// <summary>One event of the access log: when, who, the interaction and its outcome in words, and which parts of the record.</summary>
public sealed record AccessLogEntry(
    DateTimeOffset? When,
    string Who,
    string? WhoUserId,
    string Interaction,
    string Outcome,
    IReadOnlyList<string> Sections,
    IReadOnlyList<string> Resources);

/// <summary>A page of the access log, newest first, with the cursors of its neighbouring pages (null at either end).</summary>
public sealed record AccessLogPage(IReadOnlyList<AccessLogEntry> Entries, string? NextCursor, string? PreviousCursor);

/// <summary>
/// Who read or wrote the patient's record, from the FhirServer's audit trail: the AuditEvents filed
/// under the patient (only the patient and admins see them), newest first, a page at a time. The
/// FhirServer pages by an opaque cursor in its <c>next</c>/<c>previous</c> links, so a page followed
/// later is the same page even while new events are added.
/// </summary>
public static class AccessLog
{
    /// <summary>One page of the patient's AuditEvents; <paramref name="cursor"/> from <see cref="AccessLogPage"/> (null: the newest page).</summary>
    public static Task<FhirResponse> SearchAsync(PhrUser patient, int pageSize, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var query = $"patient={Uri.EscapeDataString(patient.FhirUser)}&_sort=-date&_count={pageSize.ToString(CultureInfo.InvariantCulture)}"
            + (cursor is null ? "" : "&_cursor=" + Uri.EscapeDataString(cursor));
        return patient.Fhir.SearchAsync("AuditEvent", query);
    }

    /// <summary>The events of a search answer in words, with the cursors of its <c>next</c> and <c>previous</c> links.</summary>
    public static AccessLogPage PageOf(FhirResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var bundle = response.Resource as Bundle;
        return new AccessLogPage(
            [.. response.Entries().OfType<AuditEvent>().Select(Describe)],
            CursorOf(bundle, "next"),
            CursorOf(bundle, "previous"));
    }

    public static AccessLogEntry Describe(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var agent = auditEvent.Agent.FirstOrDefault(a => a.Requestor == true) ?? auditEvent.Agent.FirstOrDefault();
        // The patient the event is filed under is an entity of its own, without a section label.
        var accessed = auditEvent.Entity.Where(e => e.What?.Reference?.StartsWith("Patient/", StringComparison.Ordinal) != true || e.SecurityLabel.Count > 0);
        return new AccessLogEntry(
            auditEvent.Recorded,
            agent?.Who?.Reference ?? agent?.Who?.Display ?? "unknown",
            agent?.Who?.Identifier?.Value,
            InteractionOf(auditEvent),
            OutcomeOf(auditEvent),
            [.. auditEvent.Entity.SelectMany(e => e.SecurityLabel).Where(l => l.System == ConsentDocument.SectionSystem).Select(l => l.Code).OfType<string>().Distinct()],
            [.. accessed.Select(e => e.What?.Reference).OfType<string>()]);
    }

    /// <summary>The interaction (read, search-type, create ...): it says more to a patient than the CRUDE letter.</summary>
    public static string InteractionOf(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return auditEvent.Subtype.FirstOrDefault()?.Code ?? auditEvent.Action switch
        {
            AuditEvent.AuditEventAction.C => "create",
            AuditEvent.AuditEventAction.R => "read",
            AuditEvent.AuditEventAction.U => "update",
            AuditEvent.AuditEventAction.D => "delete",
            AuditEvent.AuditEventAction.E => "execute",
            _ => "",
        };
    }

    public static string OutcomeOf(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return auditEvent.Outcome switch
        {
            AuditEvent.AuditEventOutcome.N0 => "success",
            AuditEvent.AuditEventOutcome.N4 => "refused",
            AuditEvent.AuditEventOutcome.N8 => "failed",
            AuditEvent.AuditEventOutcome.N12 => "failed (major)",
            _ => "",
        };
    }

    /// <summary>
    /// The usernames the key directory gives the agents of <paramref name="entries"/>, by user id;
    /// an agent the directory does not know (or a lookup that fails) is left out.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> NamesAsync(PhrUser patient, IEnumerable<AccessLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var userId in entries.Select(e => e.WhoUserId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await patient.Srs.FindUserAsync(userId, await patient.GetSrsAccessTokenAsync()) is { } entry)
            {
                names[userId] = entry.Username;
            }
        }

        return names;
    }

    private static string? CursorOf(Bundle? bundle, string relation)
    {
        var url = bundle?.Link.FirstOrDefault(l => l.Relation == relation)?.Url;
        if (url is null || !Uri.TryCreate(url, UriKind.RelativeOrAbsolute, out var uri))
        {
            return null;
        }

        var query = uri.IsAbsoluteUri ? uri.Query : url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..];
        return query.TrimStart('?').Split('&')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0] == "_cursor")
            .Select(pair => Uri.UnescapeDataString(pair[1]))
            .FirstOrDefault();
    }
}
