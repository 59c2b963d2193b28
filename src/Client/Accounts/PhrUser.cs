using System.Security.Cryptography;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Client.Fhir;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// One person using SeSPHR through a first-party client: their password and secret keys stay in
/// this object (the user's device); the SRS sees only the Argon2id-derived authentication secret,
/// the public keys and the password-wrapped key backup, and the FhirServer sees only bearer tokens.
/// The PasswordMasterKey's user id is the username (src/Srs/API.md).
/// A login yields two tokens, each good at one service only: one for the FhirServer (FHIR scopes),
/// which is all the FhirServer ever sees, and one for the SRS's own API (<c>srs.*</c> scopes: the key
/// backup, the directory, grants, approvals). The FhirServer is the untrusted cloud, so nothing it is
/// handed may open the SRS.
/// </summary>
public sealed class PhrUser : IDisposable
{
    private readonly string _password;
    private TokenResponse? _fhirTokens;
    private TokenResponse? _srsTokens;
    private DateTimeOffset _tokensObtained;

    private PhrUser(SystemEndpoints endpoints, string username, string password, string role, string fhirUser, UserKeys keys)
    {
        Endpoints = endpoints;
        Username = username;
        _password = password;
        Role = role;
        FhirUser = fhirUser;
        Keys = keys;
        Srs = new SrsClient(endpoints.Srs);
        Fhir = new FhirRestClient(endpoints.Fhir, () => AccessToken);
    }

    public SystemEndpoints Endpoints { get; }

    public string Username { get; }

    public string Role { get; }

    /// <summary>Relative, e.g. <c>Patient/p1</c>.</summary>
    public string FhirUser { get; }

    public UserKeys Keys { get; }

    /// <summary>Assigned by the SRS at registration (or read from <c>/api/accounts/me</c>).</summary>
    public string? UserId { get; private set; }

    public string? Status { get; private set; }

    public SrsClient Srs { get; }

    public FhirRestClient Fhir { get; }

    /// <summary>The current access token for the FhirServer; null before login (requests then go out anonymous).</summary>
    public string? AccessToken => _fhirTokens?.AccessToken;

    /// <summary>The current access token for the SRS's own API; null before login.</summary>
    public string? SrsAccessToken => _srsTokens?.AccessToken;

    public string RequireUserId => UserId ?? throw new InvalidOperationException($"{Username} has not registered or logged in.");

    /// <summary>The FhirServer token (never send it to the SRS: it is refused there).</summary>
    public string RequireAccessToken => AccessToken ?? throw new InvalidOperationException($"{Username} is not logged in.");

    /// <summary>The SRS token (never send it to the FhirServer: it is refused there).</summary>
    public string RequireSrsAccessToken => SrsAccessToken ?? throw new InvalidOperationException($"{Username} is not logged in.");

    /// <summary>
    /// A new user with fresh random keys and <paramref name="password"/> (a strong random one when
    /// none is given: a test that hands the password to another process, as the user would type it
    /// into a second client, chooses it); nothing is sent yet.
    /// </summary>
    public static PhrUser Create(SystemEndpoints endpoints, string username, string role, string fhirUser, string? password = null) =>
        new(endpoints, username, password ?? StrongPassword(), role, fhirUser, UserKeys.CreateRandom());

    /// <summary>
    /// A client that knows only what the person types (username and password): it logs in and
    /// restores the keys from the SRS's wrapped backup, as a second device or a restarted program does.
    /// </summary>
    public static async Task<PhrUser> SignInAsync(SystemEndpoints endpoints, string username, string password, string role, string fhirUser)
    {
        using var typed = new PhrUser(endpoints, username, password, role, fhirUser, UserKeys.CreateRandom());
        return await typed.OnNewDeviceAsync();
    }

    /// <summary>A strong random password, for tests that choose one before creating the user.</summary>
    public static string NewPassword() => StrongPassword();

    /// <summary>The scopes a first-party client of this role asks for its FhirServer token.</summary>
    public static string DefaultScope(string role) => role == SrsRoles.Patient
        ? "openid fhirUser offline_access launch/patient patient/*.cruds"
        : "openid fhirUser offline_access user/*.cruds";

    /// <summary>The scopes a first-party client of this role asks for its SRS token (patients also upload grants).</summary>
    public static string SrsScope(string role) => role == SrsRoles.Patient
        ? "openid offline_access srs.account srs.grants"
        : "openid offline_access srs.account";

    /// <summary>POST /api/accounts: the keys' public halves and the wrapped backup; the password stays here.</summary>
    public async Task<RegistrationResponse> RegisterAsync()
    {
        var answer = await Srs.RegisterAsync(await AccountBodyAsync((kdf, secret, umbral, signing, backup) =>
            new RegistrationRequest(Username, Role, FhirUser, kdf, secret, umbral, signing, backup)));
        UserId = answer.UserId.ToString();
        Status = answer.Status;
        return answer;
    }

    /// <summary>POST /api/enrolment with the one-time code: this user becomes the first admin.</summary>
    public async Task<RegistrationResponse> EnrolAsAdminAsync(string enrolmentCode)
    {
        var answer = await Srs.EnrolAsync(await AccountBodyAsync((kdf, secret, umbral, signing, backup) =>
            new EnrolmentRequest(enrolmentCode, Username, FhirUser, kdf, secret, umbral, signing, backup)));
        UserId = answer.UserId.ToString();
        Status = answer.Status;
        return answer;
    }

    /// <summary>
    /// The interactive login of a first-party client: KDF lookup, Argon2id within this client's own
    /// policy, cookie login with the authentication secret, then the authorization code flow with
    /// PKCE S256 and the token exchange twice over the same login session: once for the FhirServer
    /// (<paramref name="scope"/>, FHIR scopes only) and once for the SRS.
    /// </summary>
    public async Task LoginAsync(string? scope = null)
    {
        using var masterKey = await DeriveMasterKeyAsync();
        await LoginWithAsync(masterKey, scope);
    }

    /// <summary>Renews both tokens with their own refresh tokens; each keeps the one audience it had.</summary>
    public async Task RefreshAsync()
    {
        var fhir = _fhirTokens?.RefreshToken ?? throw new InvalidOperationException($"{Username} holds no refresh token.");
        var srs = _srsTokens?.RefreshToken ?? throw new InvalidOperationException($"{Username} holds no SRS refresh token.");
        _fhirTokens = await Srs.RefreshAsync(fhir);
        _srsTokens = await Srs.RefreshAsync(srs);
        _tokensObtained = DateTimeOffset.UtcNow;
    }

    /// <summary>Renews both tokens when they have less than a minute left (a user kept signed in for a long run).</summary>
    public async Task RenewIfExpiringAsync()
    {
        var lifetime = TimeSpan.FromSeconds(Math.Min(_fhirTokens?.ExpiresIn ?? 0, _srsTokens?.ExpiresIn ?? 0));
        if (DateTimeOffset.UtcNow - _tokensObtained > lifetime - TimeSpan.FromMinutes(1))
        {
            await RefreshAsync();
        }
    }

    /// <summary>Forgets the tokens (the device logs out); the SRS cookie is gone with a new device anyway.</summary>
    public void ForgetTokens()
    {
        _fhirTokens = null;
        _srsTokens = null;
    }

    /// <summary>
    /// The same person on a new device: only the username and password are known there. Logs in,
    /// fetches the wrapped backup and opens it with the password-derived wrapping key.
    /// </summary>
    public async Task<PhrUser> OnNewDeviceAsync()
    {
        var scratch = new PhrUser(Endpoints, Username, _password, Role, FhirUser, UserKeys.CreateRandom());
        using var masterKey = await scratch.DeriveMasterKeyAsync();
        await scratch.LoginWithAsync(masterKey, null);
        var backup = await scratch.Srs.GetBackupAsync(scratch.RequireSrsAccessToken);
        using var payload = KeyBackup.Open(Convert.FromBase64String(backup.WrappedBackup), masterKey);
        var restored = new PhrUser(Endpoints, Username, _password, Role, FhirUser, UserKeys.FromBackupPayload(payload.AsSpan()))
        {
            UserId = scratch.UserId,
            Status = scratch.Status,
            _fhirTokens = scratch._fhirTokens,
            _srsTokens = scratch._srsTokens,
            _tokensObtained = scratch._tokensObtained,
        };
        scratch.Dispose();
        return restored;
    }

    public override string ToString() => $"{Role} {Username} ({FhirUser})";

    public void Dispose()
    {
        Srs.Dispose();
        Fhir.Dispose();
        Keys.Dispose();
    }

    private async Task<PasswordMasterKey> DeriveMasterKeyAsync()
    {
        var kdf = await Srs.GetKdfAsync(Username);
        var settings = new PasswordKdfSettings(
            new Argon2idParameters(kdf.MemoryKiB, kdf.Iterations, kdf.Parallelism),
            Convert.FromBase64String(kdf.Salt ?? throw new InvalidOperationException("The SRS answered KDF settings without a salt.")));
        // Derive checks the server's parameters against this client's production policy first.
        return PasswordMasterKey.Derive(_password, Username, settings);
    }

    private async Task LoginWithAsync(PasswordMasterKey masterKey, string? scope)
    {
        using (var secret = masterKey.DeriveAuthenticationSecret())
        {
            await Srs.LoginAsync(new LoginRequest(Username, Convert.ToBase64String(secret.AsSpan())));
        }

        _fhirTokens = await AuthorizeAsync(scope ?? DefaultScope(Role));
        _srsTokens = await AuthorizeAsync(SrsScope(Role));
        _tokensObtained = DateTimeOffset.UtcNow;
        var me = await Srs.MeAsync(RequireSrsAccessToken);
        UserId = me.UserId.ToString();
        Status = me.Status;
    }

    private async Task<TokenResponse> AuthorizeAsync(string scope)
    {
        var pkce = Pkce.Create();
        var code = await Srs.AuthorizeAsync(scope, pkce);
        return await Srs.RedeemCodeAsync(code, pkce);
    }

    private Task<T> AccountBodyAsync<T>(Func<KdfSettings, string, string, string, string, T> build)
    {
        var settings = PasswordKdfSettings.CreateNew();
        using var masterKey = PasswordMasterKey.Derive(_password, Username, settings);
        using var secret = masterKey.DeriveAuthenticationSecret();
        var payload = Keys.ToBackupPayload();
        try
        {
            var backup = KeyBackup.Seal(masterKey, payload);
            var kdf = new KdfSettings(
                Convert.ToBase64String(settings.Salt),
                settings.Parameters.MemoryKiB,
                settings.Parameters.Iterations,
                settings.Parameters.Parallelism);
            return Task.FromResult(build(
                kdf,
                Convert.ToBase64String(secret.AsSpan()),
                Convert.ToBase64String(Keys.DecryptionPublicKey.ToCompressedBytes()),
                Convert.ToBase64String(Keys.SigningPublicKey.ToCompressedBytes()),
                Convert.ToBase64String(backup)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    /// <summary>24 random bytes as base64url: 192 bits, far beyond any offline guessing at one Argon2id run per guess.</summary>
    private static string StrongPassword() => Pkce.Base64Url(RandomNumberGenerator.GetBytes(24));
}

/// <summary>Where the two services of one system listen: the SRS root and the FHIR base (ending in <c>/fhir/</c>).</summary>
public sealed record SystemEndpoints(Uri Srs, Uri Fhir);
