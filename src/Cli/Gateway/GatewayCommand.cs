using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SeSPHR.Client.Errors;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// <c>sesphr gateway</c>: serves the signed-in user's view of the records as plain FHIR R4 on
/// loopback until Ctrl-C, for FHIR apps that know nothing of sealing.
/// </summary>
internal static class GatewayCommand
{
    /// <summary>The listen address or the token file cannot be used as given.</summary>
    public const int RefusedSettings = 64;

    /// <summary>No signed-in user to act for.</summary>
    public const int NotSignedIn = 65;

    /// <summary>The port is taken or the address cannot be bound.</summary>
    public const int CannotListen = 66;

    public static Command Create(SignedInUser signedIn)
    {
        var listen = new Option<Uri>("--listen")
        {
            Description = $"FHIR base URL to serve (default {GatewaySettings.DefaultListen}).",
            DefaultValueFactory = _ => GatewaySettings.DefaultListen,
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow a non-loopback listen address: any machine that can reach it and holds the token reads the record in the clear.",
        };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "Write the bearer token to this file (mode 0600) instead of printing it.",
        };
        var command = new Command("gateway", "Serve your records as plain FHIR R4 on this machine, opened and sealed here, for FHIR apps.")
        {
            listen,
            allowRemote,
            tokenFile,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new GatewaySettings(parse.GetValue(listen)!, parse.GetValue(allowRemote), parse.GetValue(tokenFile)?.FullName), signedIn, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(GatewaySettings settings, SignedInUser signedIn, CancellationToken cancellationToken)
    {
        try
        {
            settings.Bind();
            var account = await signedIn(cancellationToken);
            var token = GatewayToken.Create();
            await using var app = GatewayHost.Build(account, settings, token);
            await app.StartAsync(cancellationToken);
            Announce(settings, token, account);
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (GatewaySettingsException refused)
        {
            await Console.Error.WriteLineAsync("sesphr gateway: " + refused.Message);
            return RefusedSettings;
        }
        catch (SeSPHRClientException notSignedIn) when (notSignedIn is NotSignedInException or WrongPasswordException)
        {
            await Console.Error.WriteLineAsync("sesphr gateway: " + notSignedIn.Message);
            return NotSignedIn;
        }
        catch (IOException cannotListen)
        {
            await Console.Error.WriteLineAsync($"sesphr gateway: cannot listen on {settings.Listen}: {cannotListen.Message}");
            return CannotListen;
        }
        catch (UnauthorizedAccessException cannotWrite)
        {
            await Console.Error.WriteLineAsync($"sesphr gateway: cannot write the token file: {cannotWrite.Message}");
            return RefusedSettings;
        }
    }

    private static void Announce(GatewaySettings settings, GatewayToken token, GatewayUser account)
    {
        Console.WriteLine($"FHIR R4 for {account.User.FhirUser} at {settings.Listen} (Ctrl-C stops it).");
        if (settings.TokenFile is { } file)
        {
            token.WriteTo(file);
            Console.WriteLine($"Bearer token written to {file} (mode 0600).");
        }
        else
        {
            // Printed once and never logged: whoever reads it can read the record.
            Console.WriteLine($"Authorization: Bearer {token.Value}");
        }
    }
}
