using System.CommandLine;
using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Cli.Records;
using SeSPHR.Client.Records;
using Spectre.Console;

namespace SeSPHR.Cli.Sharing;

/// <summary>
/// <c>sesphr access-log</c>: who read or wrote the patient's record, from the FhirServer's audit
/// trail (AuditEvents filed under the patient; only the patient and admins see them).
/// </summary>
internal static class AccessLogCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "How many of the newest events (default 50).", DefaultValueFactory = _ => 50 };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("access-log", "Who read or wrote your record, newest first.") { count, password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            var wanted = parse.GetValue(count);
            if (wanted is < 1 or > 1000)
            {
                throw new CliException(ExitCodes.Usage, "--count is between 1 and 1000.");
            }

            using var session = await Session.OpenAsync(parse, password);
            var response = await AccessLog.SearchAsync(session.User, wanted);
            FhirFailures.ThrowUnlessSuccess(response, "the access log");
            var events = response.Entries().OfType<AuditEvent>().ToList();
            if (parse.GetValue(json))
            {
                CliConsole.WriteRawJson(FhirJsonText.Bundle(events));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("when", "who", "action", "outcome", "resources");
            foreach (var e in events)
            {
                table.AddRow(
                    e.Recorded?.ToString("u", CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(string.Join(", ", e.Agent.Select(a => a.Who?.Reference ?? a.Who?.Display ?? "?"))),
                    Markup.Escape(AccessLog.InteractionOf(e)),
                    Markup.Escape(AccessLog.OutcomeOf(e)),
                    e.Entity.Count.ToString(CultureInfo.InvariantCulture));
            }

            CliConsole.WriteTable(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
