using System.CommandLine;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Accounts;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using Spectre.Console;

namespace SeSPHR.Cli.Sharing;

/// <summary>
/// <c>sesphr grant</c>: the patient gives a user (by their fhirUser) or every member of a role
/// sections to read, write or both, until a date. For a user, the grantee's key fingerprint from the
/// directory is shown and must match <c>--fingerprint</c> (compared with the grantee's own
/// <c>sesphr whoami</c>) or be confirmed at the terminal: a directory that lied about the keys
/// would otherwise get the grant.
/// </summary>
internal static class GrantCommand
{
    public static Command Create()
    {
        var grantee = new Argument<string?>("grantee") { Description = "The grantee's fhirUser, e.g. Practitioner/dr-house.", Arity = ArgumentArity.ZeroOrOne };
        var role = new Option<string?>("--role") { Description = "Grant every member of this role instead (practitioner, insurer, pharmacist, researcher)." };
        var sections = new Option<string>("--sections") { Description = "Sections: personal, medical, vitals, prescriptions, insurance, comma-separated, or all.", Required = true };
        var access = new Option<string>("--access") { Description = "read, write or read-write.", DefaultValueFactory = _ => "read" };
        access.AcceptOnlyFromAmong("read", "write", "read-write");
        var until = new Option<DateTimeOffset?>("--until") { Description = "When the grant ends (ISO 8601, e.g. 2027-06-30); open-ended when left out." };
        var fingerprint = new Option<string?>("--fingerprint") { Description = "The grantee's key fingerprint as they see it; asked to confirm when left out." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("grant", "Grant a user or a role sections of your record.") { grantee, role, sections, access, until, fingerprint, password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            var chosen = SectionList.Parse(parse.GetRequiredValue(sections));
            var mode = parse.GetRequiredValue(access);
            var (reads, writes) = (mode == "write" ? [] : chosen, mode == "read" ? [] : chosen);
            var end = parse.GetValue(until);
            if (end is { } ending && ending <= DateTimeOffset.UtcNow)
            {
                throw new CliException(ExitCodes.Usage, "--until is in the past.");
            }

            var (who, roleName) = (parse.GetValue(grantee), parse.GetValue(role));
            if ((who is null) == (roleName is null))
            {
                throw new CliException(ExitCodes.Usage, "Name either a grantee (their fhirUser) or --role, not both and not neither.");
            }

            using var session = await Session.OpenAsync(parse, password);
            var grants = await session.PatientGrantsAsync();
            if (roleName is not null)
            {
                // Members of a role are approved by the sections the role reads: writing alone would admit no one.
                if (reads.Count == 0)
                {
                    throw new CliException(ExitCodes.Usage, "A role cannot be granted writing alone: use --access read or read-write.");
                }

                var roleGrant = await grants.GrantRoleAsync(roleName, reads, end, writeSections: writes);
                Report(parse.GetValue(json), roleGrant.ConsentId, "role " + roleName, null, reads, writes, end);
                return ExitCodes.Ok;
            }

            var entry = await session.User.Srs.FindByFhirUserAsync(who!, session.User.RequireSrsAccessToken)
                ?? throw new CliException(ExitCodes.NotFound, $"{who} is not in the key directory.");
            if (entry.Status != "active")
            {
                throw new CliException(ExitCodes.NotAllowed, $"{who} is not active yet ({entry.Status}): an admin approves them first.");
            }

            ConfirmFingerprint(who!, entry.Fingerprint, parse.GetValue(fingerprint));
            var record = await grants.GrantAsync(who!, KeyFingerprint.FromBytes(Convert.FromHexString(entry.Fingerprint)), reads, end, writes);
            Report(parse.GetValue(json), record.ConsentId, who!, entry.Fingerprint, reads, writes, end);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void ConfirmFingerprint(string who, string directoryHex, string? typed)
    {
        var shown = FingerprintText.Display(directoryHex);
        CliConsole.Say($"{who}'s key fingerprint in the directory: {shown}");
        if (typed is not null)
        {
            if (!FingerprintText.TryParse(typed, out var hex))
            {
                throw new CliException(ExitCodes.Usage, "--fingerprint takes the 64 hex digits of the key fingerprint (spaces allowed).");
            }

            if (!string.Equals(hex, directoryHex, StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException(ExitCodes.FingerprintMismatch,
                    $"The directory's key fingerprint for {who} is not the one you were given: nothing was granted. Compare again with the grantee.");
            }

            return;
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.FingerprintMismatch, "No terminal to confirm the fingerprint on: pass the grantee's fingerprint with --fingerprint.");
        }

        if (!CliConsole.Error.Confirm("Is this the fingerprint the grantee sees with `sesphr whoami`?", defaultValue: false))
        {
            throw new CliException(ExitCodes.FingerprintMismatch, "Fingerprint not confirmed: nothing was granted.");
        }
    }

    private static void Report(bool json, string consentId, string grantee, string? fingerprint, IReadOnlyList<PhrSection> reads, IReadOnlyList<PhrSection> writes, DateTimeOffset? end)
    {
        if (json)
        {
            CliConsole.WriteJson(new
            {
                ConsentId = consentId, Grantee = grantee, Fingerprint = fingerprint,
                Read = reads.Select(s => s.ToCode()), Write = writes.Select(s => s.ToCode()), Until = end,
            });
            return;
        }

        CliConsole.Say($"Granted {grantee}: read [{SectionList.Format(reads)}], write [{SectionList.Format(writes)}]"
            + (end is { } e ? $" until {e:u}" : "") + $" (Consent/{consentId}).");
        CliConsole.Out.MarkupLine(Markup.Escape(consentId));
    }
}
