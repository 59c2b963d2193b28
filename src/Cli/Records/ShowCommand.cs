using System.CommandLine;
using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Cli.Sharing;
using Spectre.Console;

namespace SeSPHR.Cli.Records;

/// <summary>
/// <c>sesphr show</c>: a patient's record as the caller may see it, as a table or, with
/// <c>--json</c>, as a FHIR <c>collection</c> Bundle whose entries carry the opened and still-sealed
/// sections (<see cref="ShownResource"/>); <c>--type</c> keeps one resource type.
/// </summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var patient = new Option<string?>("--patient") { Description = "Whose record (Patient/<id>); your own when you are the patient." };
        var type = new Option<string?>("--type") { Description = "Only resources of this type, e.g. Observation." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("show", "Show a record as you may see it: granted sections opened, the rest marked sealed.") { patient, type, password, json };
        CommandAction.Set(command, async (parse, cancellation) =>
        {
            using var session = await Session.OpenAsync(parse, password);
            var whose = parse.GetValue(patient) ?? (session.Account.IsPatient
                ? session.Account.FhirUser
                : throw new CliException(ExitCodes.Usage, "Name the record with --patient Patient/<id>."));
            var shown = (await new RecordReader(session).ReadAsync(whose, cancellation))
                .Where(s => parse.GetValue(type) is not { } only || s.Resource.TypeName == only)
                .ToList();
            if (parse.GetValue(json))
            {
                var bundle = new Bundle { Type = Bundle.BundleType.Collection, Total = shown.Count, Entry = [.. shown.Select(s => s.ToEntry())] };
                CliConsole.WriteRawJson(FhirJsonText.Of(bundle));
                return ExitCodes.Ok;
            }

            WriteTable(shown);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteTable(List<ShownResource> shown)
    {
        var table = new Table().AddColumns("resource", "what", "when", "opened", "sealed");
        foreach (var s in shown)
        {
            var closed = SectionList.Format(s.StillSealed) + (s.Withheld ? " (withheld by the server)" : "");
            table.AddRow(
                Markup.Escape($"{s.Resource.TypeName}/{s.Resource.Id}"),
                Markup.Escape(Summary.What(s.Resource)),
                Markup.Escape(Summary.When(s.Resource)),
                SectionList.Format(s.Opened),
                closed.Length > 0 ? "[yellow]" + Markup.Escape(closed) + "[/]" : "");
        }

        CliConsole.WriteTable(table);
        CliConsole.Say($"{shown.Count} resources.");
    }
}
