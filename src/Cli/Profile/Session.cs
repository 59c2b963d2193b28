using System.CommandLine;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Accounts;
using SeSPHR.Cli.Sharing;
using SeSPHR.Client.Grants;

namespace SeSPHR.Cli.Profile;

/// <summary>One command's signed-in user: the profile's account, its keys opened with the password for this run.</summary>
internal sealed class Session : IDisposable
{
    private Session(ProfileFolder profile, Account account, PhrUser user)
    {
        Profile = profile;
        Account = account;
        User = user;
    }

    public ProfileFolder Profile { get; }

    public Account Account { get; }

    public PhrUser User { get; }

    public static async Task<Session> OpenAsync(ParseResult parse, Option<bool> passwordStdin)
    {
        var profile = ProfileFolder.Current();
        var account = Account.Load(profile);
        var password = Passwords.Read(parse, passwordStdin, $"Password for {account.Username}:");
        return new Session(profile, account, await SignIn.AsAsync(account, password));
    }

    /// <summary>
    /// The patient's grants from this profile's journal, after finishing whatever grant or
    /// revocation an earlier run left half-done (a crash, Ctrl-C, a server down).
    /// </summary>
    public async Task<PatientGrants> PatientGrantsAsync()
    {
        if (!Account.IsPatient)
        {
            throw new CliException(ExitCodes.NotAllowed, $"Only a patient keeps a record and grants access to it; {Account.Username} is {Account.Role}.");
        }

        var grants = PatientGrants.Open(User, Profile.JournalFolder);
        grants.BeforeStep = StepGate.BeforeStep;
        var finished = await grants.RepairAsync();
        if (finished > 0)
        {
            CliConsole.Say($"Finished {finished} grant or revocation an earlier run left half-done.");
        }

        return grants;
    }

    public void Dispose() => User.Dispose();
}
