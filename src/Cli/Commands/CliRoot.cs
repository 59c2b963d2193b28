using System.CommandLine;
using SeSPHR.Cli.Gateway;
using SeSPHR.Client.Errors;

namespace SeSPHR.Cli.Commands;

/// <summary>
/// Assembles the subcommands. Each feature folder contributes its commands through one static
/// <c>Create</c> method, so adding a command touches its own folder and one line here.
/// </summary>
internal static class CliRoot
{
    public static RootCommand Build()
    {
        var root = new RootCommand("sesphr: your SeSPHR health record from the terminal. Keys stay on this machine.");
        root.Subcommands.Add(GatewayCommand.Create(_ => throw new NotSignedInException("No signed-in profile on this machine: sign in with `sesphr login` first.")));
        return root;
    }
}
