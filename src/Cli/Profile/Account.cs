using System.Text.Json;
using SeSPHR.Contracts;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Accounts;

namespace SeSPHR.Cli.Profile;

/// <summary>
/// Who is signed in on this profile and where their system runs. Public facts only: the keys stay
/// wrapped in the SRS's password-sealed backup until a command opens them with the password.
/// </summary>
internal sealed record Account(string Username, string Role, string FhirUser, string UserId, string Fingerprint, Uri Srs, Uri Fhir)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public SystemEndpoints Endpoints => new(Srs, Fhir);

    public bool IsPatient => Role == SrsRoles.Patient;

    public static Account Load(ProfileFolder profile)
    {
        if (!File.Exists(profile.AccountFile))
        {
            throw new CliException(ExitCodes.NotSignedIn, "Not signed in on this machine: run `sesphr login` (or `sesphr register`) first.");
        }

        return JsonSerializer.Deserialize<Account>(File.ReadAllText(profile.AccountFile), Json)
            ?? throw new CliException(ExitCodes.NotSignedIn, $"The profile {profile.AccountFile} is empty: run `sesphr login` again.");
    }

    public static Account Of(PhrUser user) => new(
        user.Username,
        user.Role,
        user.FhirUser,
        user.RequireUserId,
        Convert.ToHexStringLower(user.Keys.Fingerprint.ToBytes()),
        user.Endpoints.Srs,
        user.Endpoints.Fhir);

    public void Save(ProfileFolder profile) => profile.WritePrivate(profile.AccountFile, JsonSerializer.Serialize(this, Json));
}
