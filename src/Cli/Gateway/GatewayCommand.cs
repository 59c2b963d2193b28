using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// <c>sesphr gateway</c>: serves the signed-in user's view of the records as plain FHIR R4 on
/// loopback until Ctrl-C, for FHIR apps that know nothing of sealing.
/// </summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "FHIR base URL to serve.",
            DefaultValueFactory = _ => GatewaySettings.DefaultListen.ToString(),
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow a non-loopback listen address: any machine that can reach it and holds the token reads the records in the clear.",
        };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "Write the bearer token to this file (mode 0600) instead of printing it.",
        };
        var password = Passwords.StdinOption();
        var command = new Command("gateway", "Serve your records as plain FHIR R4 on this machine, opened and sealed here, for FHIR apps.")
        {
            listen,
            allowRemote,
            tokenFile,
            password,
        };
        CommandAction.Set(command, async (parse, cancellation) =>
        {
            var settings = new GatewaySettings(ListenUrl(parse.GetValue(listen)!), parse.GetValue(allowRemote), parse.GetValue(tokenFile)?.FullName);
            Refused(settings.Bind);
            using var session = await Session.OpenAsync(parse, password);
            if (session.Account.IsPatient)
            {
                // Finishes a grant or revocation an earlier run left half-done, so the epochs sealed to are current.
                await session.PatientGrantsAsync();
            }

            await RunAsync(new GatewayUser(session.User, session.Profile.JournalFolder), settings, cancellation);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task RunAsync(GatewayUser account, GatewaySettings settings, CancellationToken cancellation)
    {
        var token = GatewayToken.Create();
        await using var app = GatewayHost.Build(account, settings, token);
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException cannotListen)
        {
            throw new CliException(ExitCodes.Failed, $"Cannot listen on {settings.Listen}: {cannotListen.Message}", cannotListen);
        }

        Announce(settings, token, account);
        await app.WaitForShutdownAsync(cancellation);
    }

    private static Uri ListenUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url)
            ? url
            : throw new CliException(ExitCodes.Usage, $"--listen takes an absolute URL such as {GatewaySettings.DefaultListen}.");

    private static void Refused(Func<object> check)
    {
        try
        {
            check();
        }
        catch (GatewaySettingsException refused)
        {
            throw new CliException(ExitCodes.Usage, refused.Message, refused);
        }
    }

    private static void Announce(GatewaySettings settings, GatewayToken token, GatewayUser account)
    {
        CliConsole.Say($"FHIR R4 for {account.User.FhirUser} at {settings.Listen} (Ctrl-C stops it).");
        if (settings.TokenFile is { } file)
        {
            token.WriteTo(file);
            CliConsole.Say($"Bearer token written to {file} (mode 0600).");
        }
        else
        {
            // Printed once, on standard output for a script to capture, and never logged.
            Console.Out.WriteLine(token.Value);
        }
    }
}
