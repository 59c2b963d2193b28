using System.CommandLine;

namespace SeSPHR.Cli.Commands;

/// <summary><c>--json</c>: the command's data as JSON on stdout and nothing else there.</summary>
internal static class JsonOption
{
    public static Option<bool> Create() => new("--json") { Description = "Write the result as JSON on stdout (messages stay on stderr)." };
}
