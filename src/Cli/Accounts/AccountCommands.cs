using System.CommandLine;
using SeSPHR.Contracts;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Cli.Records;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using Spectre.Console;

namespace SeSPHR.Cli.Accounts;

/// <summary><c>register</c>, <c>login</c>, <c>logout</c> and <c>whoami</c>: who is signed in on this machine.</summary>
internal static class AccountCommands
{
    private static readonly string[] Roles =
        [SrsRoles.Patient, SrsRoles.Practitioner, SrsRoles.RelatedPerson, SrsRoles.Insurer, SrsRoles.Pharmacist, SrsRoles.Researcher];

    public static IEnumerable<Command> Create() => [Register(), Login(), Logout(), WhoAmI()];

    private static Command Register()
    {
        var username = new Argument<string>("username") { Description = "The name you sign in with." };
        var role = new Option<string>("--role") { Description = "Your role: " + string.Join(", ", Roles) + ".", DefaultValueFactory = _ => SrsRoles.Patient };
        role.AcceptOnlyFromAmong(Roles);
        var fhirUser = new Option<string?>("--fhir-user") { Description = "Your FHIR resource, e.g. Practitioner/dr-house (default: a new random id of your role's type)." };
        var (srs, fhir, password, json) = (Servers.SrsOption(), Servers.FhirOption(), Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("register", "Make an account: new keys on this machine, their public halves and a password-wrapped backup at the SRS.")
        {
            username, role, fhirUser, srs, fhir, password, json,
        };
        CommandAction.Set(command, async (parse, _) =>
        {
            var chosenRole = parse.GetRequiredValue(role);
            var endpoints = Servers.Endpoints(parse.GetRequiredValue(srs), parse.GetRequiredValue(fhir));
            var typed = Passwords.ReadNew(parse, password);
            using var user = PhrUser.Create(endpoints, parse.GetRequiredValue(username), chosenRole, parse.GetValue(fhirUser) ?? NewFhirUser(chosenRole), typed);
            var answer = await user.RegisterAsync();
            Account.Of(user).Save(ProfileFolder.Current());
            if (chosenRole == SrsRoles.Patient)
            {
                await StartRecordAsync(user);
            }

            Show(parse.GetValue(json), Account.Of(user), answer.Status);
            if (answer.Status != "active")
            {
                CliConsole.Say("Your account waits for an admin's approval; `sesphr login` works once it is approved.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A patient's record starts with their own Patient resource (sealed like any other), so that it can be read whole.</summary>
    private static async Task StartRecordAsync(PhrUser patient)
    {
        await patient.LoginAsync();
        var record = new PatientRecord(patient, PatientGrants.Open(patient, ProfileFolder.Current().JournalFolder).Book);
        FhirFailures.ThrowUnlessSuccess(await record.WriteAsync(new Hl7.Fhir.Model.Patient { Id = record.PatientId, Active = true }), "starting your record");
    }

    private static Command Login()
    {
        var username = new Argument<string>("username");
        var role = new Option<string?>("--role") { Description = "Your role, when you know it (saves a second sign-in for professionals)." };
        var (srs, fhir, password, json) = (Servers.SrsOption(), Servers.FhirOption(), Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("login", "Sign in on this machine; later commands ask for the password again to open your keys.")
        {
            username, role, srs, fhir, password, json,
        };
        CommandAction.Set(command, async (parse, _) =>
        {
            var endpoints = Servers.Endpoints(parse.GetRequiredValue(srs), parse.GetRequiredValue(fhir));
            var name = parse.GetRequiredValue(username);
            var typed = Passwords.Read(parse, password, $"Password for {name}:");
            using var user = await SignIn.AsAsync(new Account(name, parse.GetValue(role) ?? SrsRoles.Patient, "", "", "", endpoints.Srs, endpoints.Fhir), typed);
            var account = await AccountOfAsync(user);
            var profile = ProfileFolder.Current();
            if (File.Exists(profile.AccountFile) && Account.Load(profile) is { } previous
                && (previous.Username != account.Username || previous.Srs != account.Srs))
            {
                // Another person's journal and progress must not mix with this one's.
                profile.DeleteAll();
            }

            account.Save(profile);
            Show(parse.GetValue(json), account, user.Status ?? "active");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The account as the SRS's directory has it (the person typed only the username), after
    /// checking that the keys the backup opened to are the ones the directory publishes.
    /// </summary>
    private static async Task<Account> AccountOfAsync(PhrUser user)
    {
        var me = await user.Srs.MeAsync(user.RequireSrsAccessToken);
        var own = Convert.ToHexStringLower(user.Keys.Fingerprint.ToBytes());
        if (!string.Equals(me.Fingerprint, own, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(ExitCodes.Tampered, "The key backup opened to keys the SRS's directory does not publish for you; nothing was saved.");
        }

        return new Account(user.Username, me.Role, me.FhirUser, me.UserId.ToString(), own, user.Endpoints.Srs, user.Endpoints.Fhir);
    }

    private static Command Logout()
    {
        var command = new Command("logout", "Forget who is signed in here, with the grant journal and import progress of this profile.");
        CommandAction.Set(command, (_, _) =>
        {
            var profile = ProfileFolder.Current();
            var had = File.Exists(profile.AccountFile);
            profile.DeleteAll();
            CliConsole.Say(had ? "Signed out; nothing of the account is left on this machine." : "Nobody was signed in here.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command WhoAmI()
    {
        var json = JsonOption.Create();
        var command = new Command("whoami", "Who is signed in on this machine, and where.") { json };
        CommandAction.Set(command, (parse, _) =>
        {
            Show(parse.GetValue(json), Account.Load(ProfileFolder.Current()), null);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static void Show(bool json, Account account, string? status)
    {
        var fingerprint = FingerprintText.Display(account.Fingerprint);
        if (json)
        {
            CliConsole.WriteJson(new
            {
                account.Username, account.Role, account.FhirUser, account.UserId, Status = status,
                Fingerprint = account.Fingerprint, Srs = account.Srs.ToString(), Fhir = account.Fhir.ToString(),
            });
            return;
        }

        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("username", Markup.Escape(account.Username));
        table.AddRow("role", account.Role);
        table.AddRow("fhirUser", Markup.Escape(account.FhirUser));
        if (status is not null)
        {
            table.AddRow("status", status);
        }

        table.AddRow("key fingerprint", fingerprint);
        table.AddRow("SRS", Markup.Escape(account.Srs.ToString()));
        table.AddRow("FhirServer", Markup.Escape(account.Fhir.ToString()));
        CliConsole.WriteTable(table);
    }

    private static string NewFhirUser(string role) => role switch
    {
        SrsRoles.Patient => "Patient/",
        SrsRoles.RelatedPerson => "RelatedPerson/",
        SrsRoles.Insurer => "Organization/",
        _ => "Practitioner/",
    } + Guid.NewGuid().ToString("N");
}
