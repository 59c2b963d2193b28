using System.CommandLine;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Contracts.Grants;
using Spectre.Console;

namespace SeSPHR.Cli.Sharing;

/// <summary><c>grant</c>, <c>revoke</c>, <c>grants</c>, <c>approve</c> and <c>access-log</c>: the patient's side of sharing.</summary>
internal static class SharingCommands
{
    public static IEnumerable<Command> Create() => [GrantCommand.Create(), Revoke(), Grants(), Approve(), AccessLogCommand.Create()];

    private static Command Revoke()
    {
        var consent = new Argument<string>("consent") { Description = "The grant's Consent id (from `sesphr grants`)." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("revoke", "End a grant: its Consent becomes inactive and its sections move to a new key epoch.") { consent, password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            var consentId = parse.GetRequiredValue(consent).Replace("Consent/", "", StringComparison.Ordinal);
            using var session = await Session.OpenAsync(parse, password);
            var grants = await session.PatientGrantsAsync();
            if (!await grants.EndGrantAsync(consentId))
            {
                throw new CliException(ExitCodes.NotFound, $"No current grant under Consent/{consentId} (see `sesphr grants`).");
            }

            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new { Revoked = consentId });
            }
            else
            {
                CliConsole.Say($"Revoked Consent/{consentId}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Grants()
    {
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("grants", "Your current grants, after finishing what an earlier run left half-done and ending expired or departed access.") { password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            using var session = await Session.OpenAsync(parse, password);
            var grants = await session.PatientGrantsAsync();
            var ended = await grants.RunEndsOfAccessAsync();
            if (ended.Any)
            {
                CliConsole.Say($"Ended access: {ended.ExpiredConsents.Count} expired grants, {ended.DepartedGrantees.Count} departed grantees, {ended.DepartedMembers.Count} departed role members (their sections moved to a new key epoch).");
            }

            var rows = grants.Book.Current()
                .Select(g => new GrantRow(g.ConsentId, g.GranteeFhirUser, g.Role, Codes(g.Read), Codes(g.Write), g.Start, g.End, g.FingerprintHex))
                .ToList();
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(rows);
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Consent", "grantee", "read", "write", "from", "until");
            foreach (var row in rows)
            {
                table.AddRow(Markup.Escape(row.ConsentId), Markup.Escape(row.Grantee ?? "role " + row.Role), string.Join(",", row.Read),
                    string.Join(",", row.Write), row.Start.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
                    row.End?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
            }

            CliConsole.WriteTable(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Approve()
    {
        var usernames = new Argument<string[]>("username") { Description = "Pending members to approve; none lists them.", Arity = ArgumentArity.ZeroOrMore };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("approve", "Approve pending members of a role you granted (they then read the role's sections).") { usernames, password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            var wanted = parse.GetValue(usernames) ?? [];
            using var session = await Session.OpenAsync(parse, password);
            var grants = await session.PatientGrantsAsync();
            IReadOnlyList<PendingMemberResponse> members = wanted.Length == 0
                ? await grants.PendingMembersAsync()
                : await grants.ApprovePendingAsync(m => wanted.Contains(m.Username, StringComparer.Ordinal));
            var unknown = wanted.Except(members.Select(m => m.Username), StringComparer.Ordinal).ToList();
            ShowMembers(parse.GetValue(json), members, wanted.Length == 0 ? "pending" : "approved");
            return unknown.Count == 0
                ? ExitCodes.Ok
                : throw new CliException(ExitCodes.NotFound, $"Not pending for any of your role grants: {string.Join(", ", unknown)}.");
        });
        return command;
    }

    private static void ShowMembers(bool json, IReadOnlyList<PendingMemberResponse> members, string state)
    {
        if (json)
        {
            CliConsole.WriteJson(members.Select(m => new
            {
                m.Username, m.UserId, m.Role, m.ConsentId, m.Sections, m.Fingerprint, m.RegisteredAt, State = state,
                ClaimedFhirUser = m.SelfChosen.FhirUser, m.SelfChosen.ResemblesYours,
            }));
            return;
        }

        var table = new Table().AddColumns("username", "role", "Consent", "fingerprint", "registered", state);
        foreach (var m in members)
        {
            var warning = m.SelfChosen.ResemblesYours ? " [red](name resembles yours)[/]" : "";
            table.AddRow(Markup.Escape(m.Username) + warning, m.Role, Markup.Escape(m.ConsentId), FingerprintText.Display(m.Fingerprint),
                m.RegisteredAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture), "yes");
        }

        CliConsole.WriteTable(table);
    }

    private static string[] Codes(IEnumerable<SeSPHR.Phr.Sections.PhrSection> sections) => [.. sections.Select(s => SeSPHR.Phr.Sections.PhrSectionCodes.ToCode(s))];

    private sealed record GrantRow(string ConsentId, string? Grantee, string? Role, string[] Read, string[] Write, DateTimeOffset Start, DateTimeOffset? End, string? Fingerprint);
}
