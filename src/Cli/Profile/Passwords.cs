using System.CommandLine;
using SeSPHR.Cli.Commands;
using Spectre.Console;

namespace SeSPHR.Cli.Profile;

/// <summary>
/// Passwords come from a hidden prompt on the terminal or, for scripts, as the first line of
/// standard input (<c>--password-stdin</c>): never from an argument or an environment variable,
/// which other local users or the process list could read.
/// </summary>
internal static class Passwords
{
    public static Option<bool> StdinOption() => new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input instead of asking for it.",
    };

    public static string Read(ParseResult parse, Option<bool> fromStdin, string prompt)
    {
        if (parse.GetValue(fromStdin))
        {
            var line = Console.In.ReadLine();
            return string.IsNullOrEmpty(line)
                ? throw new CliException(ExitCodes.Usage, "--password-stdin: standard input held no password line.")
                : line;
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.Usage, "No terminal to ask for the password on: pass it on standard input with --password-stdin.");
        }

        return CliConsole.Error.Prompt(new TextPrompt<string>(prompt).Secret());
    }

    /// <summary>A new password, typed twice on a terminal (once from standard input).</summary>
    public static string ReadNew(ParseResult parse, Option<bool> fromStdin)
    {
        var password = Read(parse, fromStdin, "Choose a password:");
        if (password.Length < 12)
        {
            throw new CliException(ExitCodes.InvalidInput, "The password must have at least 12 characters.");
        }

        if (!parse.GetValue(fromStdin) && Read(parse, fromStdin, "Type it again:") != password)
        {
            throw new CliException(ExitCodes.InvalidInput, "The two passwords differ; nothing was registered.");
        }

        return password;
    }
}
