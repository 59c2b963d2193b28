using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Records;
using Spectre.Console;

namespace SeSPHR.Cli.Import;

/// <summary>
/// <c>sesphr import FILE|FOLDER...</c>: Synthea transaction Bundles or NDJSON into the signed-in
/// patient's record, sealed per section, as transaction Bundles of PUTs under ids derived from the
/// patient and the source (<see cref="ImportPlan"/>). Ctrl-C stops after the chunk in flight; a new
/// run (also after a crash) skips the chunks the progress file lists and writes the rest.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Bundle (.json) or NDJSON (.ndjson) files, or folders of them.", Arity = ArgumentArity.OneOrMore };
        var chunk = new Option<int>("--chunk") { Description = "Resources per transaction (default 100).", DefaultValueFactory = _ => 100 };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("import", "Import FHIR data into your record, sealed; resumable after Ctrl-C.") { files, chunk, password, json };
        CommandAction.Set(command, async (parse, cancellation) =>
        {
            var size = parse.GetValue(chunk);
            if (size is < 1 or > 1000)
            {
                throw new CliException(ExitCodes.Usage, "--chunk is between 1 and 1000.");
            }

            var paths = ImportSource.Expand(parse.GetRequiredValue(files));
            using var session = await Session.OpenAsync(parse, password);
            var record = new PatientRecord(session.User, (await session.PatientGrantsAsync()).Book);
            var writer = new ChunkWriter(session.User, record.KeyFor);
            var run = new ImportRun(session, writer, size);
            var clock = Stopwatch.StartNew();
            await CliConsole.Error.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    foreach (var path in paths)
                    {
                        await run.ImportAsync(path, progress, clock, cancellation);
                    }
                });
            var seconds = clock.Elapsed.TotalSeconds;
            var rate = seconds > 0 ? run.Written / seconds : 0;
            if (parse.GetValue(json))
            {
                CliConsole.WriteJson(new { Files = paths.Count, run.Written, run.AlreadyDone, run.Skipped, Seconds = Math.Round(seconds, 3), ResourcesPerSecond = Math.Round(rate, 1) });
            }
            else
            {
                CliConsole.Say(string.Create(CultureInfo.InvariantCulture,
                    $"Imported {run.Written} resources from {paths.Count} files in {seconds:0.0} s ({rate:0} resources/s); {run.AlreadyDone} were there from an earlier run, {run.Skipped} left out (directory entries or types the section policy does not know)."));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
