using System.CommandLine;
using SeSPHR.Cli.Commands;

namespace SeSPHR.Cli;

/// <summary>The <c>sesphr</c> command: one root command whose subcommands live each in its feature folder.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var parse = CliRoot.Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                CliConsole.Say("sesphr: " + error.Message);
            }

            CliConsole.Say("sesphr: see `sesphr --help`.");
            return ExitCodes.Usage;
        }

        // Ctrl-C cancels the action's token; the import stops after the chunk in flight.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
