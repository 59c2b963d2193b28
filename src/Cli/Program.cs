using SeSPHR.Cli.Commands;

namespace SeSPHR.Cli;

/// <summary>The <c>sesphr</c> command: one root command whose subcommands live each in its feature folder.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => CliRoot.Build().Parse(args).InvokeAsync();
}
