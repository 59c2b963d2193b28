using System.CommandLine;
using SeSPHR.Cli.Accounts;
using SeSPHR.Cli.Demo;
using SeSPHR.Cli.Gateway;
using SeSPHR.Cli.Import;
using SeSPHR.Cli.Records;
using SeSPHR.Cli.Sharing;

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
        AddAll(root, AccountCommands.Create());
        root.Add(KeyCommands.Create());
        AddAll(root, [ImportCommand.Create(), ShowCommand.Create(), VitalsCommand.Create()]);
        AddAll(root, SharingCommands.Create());
        root.Add(GatewayCommand.Create());
        root.Add(DemoSeed.Create());
        return root;
    }

    private static void AddAll(RootCommand root, IEnumerable<Command> commands)
    {
        foreach (var command in commands)
        {
            root.Add(command);
        }
    }
}
