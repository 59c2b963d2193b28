using System.Net;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;

namespace SeSPHR.Cli.Profile;

/// <summary>
/// Opens the signed-in person's keys for one command: the password derives the key that opens the
/// SRS's wrapped backup, and the SDK signs in (PKCE) for this run's tokens. Nothing of it is written
/// down; the keys leave memory with the process.
/// </summary>
internal static class SignIn
{
    public static async Task<PhrUser> AsAsync(Account account, string password)
    {
        try
        {
            return await PhrUser.SignInAsync(account.Endpoints, account.Username, password, account.Role, account.FhirUser);
        }
        catch (Exception ex) when (AsSignInFailure(ex) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>What a failed sign-in means to the user; null for anything the general handler explains.</summary>
    public static CliException? AsSignInFailure(Exception ex) => ex switch
    {
        WrongPasswordException => WrongPassword(ex),
        SrsRequestException { Status: HttpStatusCode.Unauthorized } => WrongPassword(ex),
        SrsRequestException { Status: HttpStatusCode.TooManyRequests } => new CliException(
            ExitCodes.WrongPassword, "Too many sign-in attempts for this user from here: the SRS asks to wait before the next one.", ex),
        _ => null,
    };

    private static CliException WrongPassword(Exception inner) => new(
        ExitCodes.WrongPassword,
        "Sign-in refused: unknown username or wrong password (or an account still waiting for an admin's approval).",
        inner);
}
