using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Fhir;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// One person using SeSPHR through a first-party client: their password and secret keys stay in
/// this object (the user's device); the SRS sees only the Argon2id-derived authentication secret,
/// the public keys and the password-wrapped key backup, and the FhirServer sees only bearer tokens.
/// The PasswordMasterKey's user id is the username (src/Srs/API.md).
/// Tokens are kept per audience, each good at one service only: a sign-in yields the FhirServer
/// token (FHIR scopes), which is all the FhirServer ever sees; the SRS token (<c>srs.*</c> scopes:
/// the key backup, the directory, grants, approvals) is asked for only when something needs it
/// (<see cref="GetSrsAccessTokenAsync"/>), over the same SRS login session. The FhirServer is the
/// untrusted cloud, so nothing it is handed may open the SRS. Both are renewed with their refresh
/// tokens a minute before they expire, inside the SDK (<see cref="CreateFhirHandler"/>, <see cref="Srs"/>).
/// </summary>
public sealed class PhrUser : IDisposable
{
    private string? _password;
    private UserKeys? _keys;

    private PhrUser(SystemEndpoints endpoints, string username, string password, string role, string fhirUser, UserKeys keys)
    {
        Endpoints = endpoints;
        Username = username;
        _password = password;
        Role = role;
        FhirUser = fhirUser;
        _keys = keys;
        FhirTokens = new TokenSession((held, ct) => RenewAsync(held, DefaultScope(Role), ct));
        SrsTokens = new TokenSession((held, ct) => RenewAsync(held, SrsScope(Role), ct));
        Srs = new SrsClient(endpoints.Srs, SrsTokens);
        Fhir = new FhirRestClient(endpoints.Fhir, () => AccessToken);
    }

    public SystemEndpoints Endpoints { get; }

    public string Username { get; }

    public string Role { get; }

    /// <summary>Relative, e.g. <c>Patient/p1</c>.</summary>
    public string FhirUser { get; }

    /// <summary>The user's secret keys; gone after <see cref="SignOut"/>.</summary>
    /// <exception cref="NotSignedInException">The user signed out.</exception>
    public UserKeys Keys => _keys ?? throw new NotSignedInException($"{Username} signed out; the keys are gone from this device.");

    /// <summary>Assigned by the SRS at registration (or read from the access token's <c>sub</c> at sign-in).</summary>
    public string? UserId { get; private set; }

    public string? Status { get; private set; }

    public SrsClient Srs { get; }

    public FhirRestClient Fhir { get; }

    /// <summary>The FhirServer token and its renewal.</summary>
    public TokenSession FhirTokens { get; }

    /// <summary>The SRS token (asked for on first use) and its renewal.</summary>
    public TokenSession SrsTokens { get; }

    /// <summary>The current access token for the FhirServer; null before login (requests then go out anonymous).</summary>
    public string? AccessToken => FhirTokens.Current;

    /// <summary>The SRS token obtained so far; null until something asked for it (<see cref="GetSrsAccessTokenAsync"/>).</summary>
    public string? SrsAccessToken => SrsTokens.Current;

    /// <exception cref="NotSignedInException">Neither registered nor signed in.</exception>
    public string RequireUserId => UserId ?? throw new NotSignedInException($"{Username} has not registered or signed in.");

    /// <summary>The FhirServer token (never send it to the SRS: it is refused there).</summary>
    /// <exception cref="NotSignedInException">Not signed in.</exception>
    public string RequireAccessToken => AccessToken ?? throw new NotSignedInException($"{Username} is not signed in.");

    /// <summary>
    /// The SRS token already obtained (never send it to the FhirServer: it is refused there);
    /// <see cref="GetSrsAccessTokenAsync"/> asks for one when there is none yet.
    /// </summary>
    /// <exception cref="NotSignedInException">No SRS token was asked for yet, or the user signed out.</exception>
    public string RequireSrsAccessToken =>
        SrsAccessToken ?? throw new NotSignedInException($"{Username} holds no SRS token; ask for one with GetSrsAccessTokenAsync.");

    /// <summary>A FhirServer token with more than a minute left, renewed first when needed.</summary>
    /// <exception cref="NotSignedInException">Not signed in.</exception>
    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default) => FhirTokens.GetAsync(cancellationToken);

    /// <summary>
    /// An SRS token with more than a minute left: the first call asks the SRS for one over the login
    /// session (no password entry), later calls renew it when needed.
    /// </summary>
    /// <exception cref="NotSignedInException">Not signed in.</exception>
    public async Task<string> GetSrsAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        if (SrsTokens.Current is null)
        {
            _ = FhirTokens.Current ?? throw new NotSignedInException($"{Username} is not signed in.");
            return await SrsTokens.RenewAsync(null, cancellationToken);
        }

        return await SrsTokens.GetAsync(cancellationToken);
    }

    /// <summary>
    /// A handler for any HTTP client that talks to the FhirServer for this user (Firely's
    /// <c>FhirClient</c>, an <c>HttpClient</c>): it sends the FhirServer token, renews it a minute
    /// before it expires and once more on a 401, and turns a FhirServer that cannot be reached, does
    /// not answer in time or fails (5xx) into <see cref="FhirServerUnavailableException"/>. The
    /// client that uses it should set no timeout of its own.
    /// </summary>
    public HttpMessageHandler CreateFhirHandler(TimeSpan? timeout = null) =>
        UnavailableServiceHandler.ForFhirServer(timeout).Wrapping(new BearerTokenHandler(FhirTokens) { InnerHandler = new HttpClientHandler() });

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
    /// <exception cref="WrongPasswordException">The SRS refused the sign-in.</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public static async Task<PhrUser> SignInAsync(SystemEndpoints endpoints, string username, string password, string role, string fhirUser)
    {
        using var typed = new PhrUser(endpoints, username, password, role, fhirUser, UserKeys.CreateRandom());
        return await typed.OnNewDeviceAsync();
    }

    /// <summary>
    /// Signs in a person who typed only a username and a password (a portal's or a new device's sign-in
    /// form): one Argon2id run, the SRS login, an SRS token to learn the account's role and
    /// <c>fhirUser</c> from the directory and to fetch the wrapped key backup, then the FhirServer token
    /// with the role's own scopes. The keys the backup opens to must be the ones the directory
    /// publishes for this account.
    /// </summary>
    /// <exception cref="WrongPasswordException">The SRS refused the sign-in.</exception>
    /// <exception cref="TamperedEnvelopeException">The backup opened to keys the directory does not publish for this account.</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public static async Task<PhrUser> SignInAsync(SystemEndpoints endpoints, string username, string password)
    {
        using var scratch = new PhrUser(endpoints, username, password, SrsRoles.Patient, "", UserKeys.CreateRandom());
        using var masterKey = await scratch.DeriveMasterKeyAsync();
        using (var secret = masterKey.DeriveAuthenticationSecret())
        {
            await scratch.Srs.LoginAsync(new LoginRequest(username, Convert.ToBase64String(secret.AsSpan())));
        }

        var srsToken = (await scratch.AuthorizeAsync($"openid {SrsScopes.Account}")).AccessToken
            ?? throw new SrsUnavailableException("The SRS answered the token request without an access token.");
        var me = await scratch.Srs.MeAsync(srsToken);
        var backup = await scratch.Srs.GetBackupAsync(srsToken);
        using var payload = KeyBackup.Open(Convert.FromBase64String(backup.WrappedBackup), masterKey);
        var restored = new PhrUser(endpoints, username, password, me.Role, me.FhirUser, UserKeys.FromBackupPayload(payload.AsSpan()))
        {
            UserId = me.UserId.ToString(),
            Status = "active",
        };
        try
        {
            if (!string.Equals(me.Fingerprint, Convert.ToHexStringLower(restored.Keys.Fingerprint.ToBytes()), StringComparison.OrdinalIgnoreCase))
            {
                throw new TamperedEnvelopeException($"The key backup of {username} opened to keys the SRS's directory does not publish for the account.");
            }

            restored.Srs.Cookies.Add(scratch.Srs.Cookies.GetAllCookies());
            restored.FhirTokens.Accept(await restored.AuthorizeAsync(DefaultScope(me.Role)));
            return restored;
        }
        catch
        {
            restored.Dispose();
            throw;
        }
    }

    /// <summary>A strong random password, for tests that choose one before creating the user.</summary>
    public static string NewPassword() => StrongPassword();

    /// <summary>The scopes a first-party client of this role asks for its FhirServer token.</summary>
    public static string DefaultScope(string role) => role == SrsRoles.Patient
        ? "openid fhirUser offline_access launch/patient patient/*.cruds"
        : "openid fhirUser offline_access user/*.cruds";

    /// <summary>The scopes a first-party client of this role asks for its SRS token (patients also upload grants).</summary>
    public static string SrsScope(string role) => role == SrsRoles.Patient
        ? $"openid offline_access {SrsScopes.Account} {SrsScopes.Grants}"
        : $"openid offline_access {SrsScopes.Account}";

    /// <summary>
    /// <c>POST /api/accounts</c>: the keys' public halves and the password-wrapped backup; the
    /// password stays here. Patients and related persons are active at once, professionals wait
    /// (<c>pending</c>) for an admin's approval.
    /// </summary>
    /// <exception cref="SrsRequestException">The SRS refused the registration (400, or 409 for a taken username or fhirUser).</exception>
    public async Task<RegistrationResponse> RegisterAsync()
    {
        var answer = await Srs.RegisterAsync(await AccountBodyAsync((kdf, secret, umbral, signing, backup) =>
            new RegistrationRequest(Username, Role, FhirUser, kdf, secret, umbral, signing, backup)));
        UserId = answer.UserId.ToString();
        Status = answer.Status;
        return answer;
    }

    /// <summary>
    /// <c>POST /api/enrolment</c>: the first admin of a new SRS, with the one-time code the SRS wrote
    /// at its first start (its log, and <c>{Srs:DataDirectory}/enrolment-code</c>). Like a
    /// registration, only the public keys, the Argon2id-derived authentication secret and the
    /// password-wrapped key backup are sent; the account is active at once. Sign in afterwards with
    /// <see cref="LoginAsync"/>.
    /// </summary>
    /// <param name="enrolmentCode">The one-time code; it dies when used.</param>
    /// <exception cref="SrsRequestException">The code is wrong or already used (403), or the username or fhirUser is taken (409).</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public async Task<RegistrationResponse> EnrolAsAdminAsync(string enrolmentCode)
    {
        var answer = await Srs.EnrolAsync(await AccountBodyAsync((kdf, secret, umbral, signing, backup) =>
            new EnrolmentRequest(enrolmentCode, Username, FhirUser, kdf, secret, umbral, signing, backup)));
        UserId = answer.UserId.ToString();
        Status = answer.Status;
        return answer;
    }

    /// <summary>
    /// The interactive sign-in of a first-party client: KDF lookup, Argon2id within this client's own
    /// policy, cookie login with the authentication secret, then the authorization code flow with
    /// PKCE S256 for the FhirServer token (<paramref name="scope"/>, FHIR scopes only). The SRS token
    /// comes later, when first needed, over the same login session.
    /// </summary>
    /// <exception cref="WrongPasswordException">The SRS refused the sign-in.</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public async Task LoginAsync(string? scope = null)
    {
        using var masterKey = await DeriveMasterKeyAsync();
        await LoginWithAsync(masterKey, scope);
    }

    /// <summary>Renews every token held now with its own refresh token; each keeps the one audience it had.</summary>
    public async Task RefreshAsync()
    {
        _ = FhirTokens.Current ?? throw new NotSignedInException($"{Username} is not signed in.");
        await FhirTokens.RenewAsync(FhirTokens.Current);
        if (SrsTokens.Current is { } srs)
        {
            await SrsTokens.RenewAsync(srs);
        }
    }

    /// <summary>Renews the tokens held that have less than a minute left (the SDK's own calls do this by themselves).</summary>
    public async Task RenewIfExpiringAsync()
    {
        await FhirTokens.GetAsync();
        if (SrsTokens.Current is not null)
        {
            await SrsTokens.GetAsync();
        }
    }

    /// <summary>Forgets the tokens and the SRS login session; the keys stay (see <see cref="SignOut"/>).</summary>
    public void ForgetTokens()
    {
        FhirTokens.Forget();
        SrsTokens.Forget();
        Srs.ForgetLoginSession();
    }

    /// <summary>
    /// Signs out on this device: the tokens and the SRS login session are dropped, the secret keys
    /// are zeroed and the password is let go; every later call that needs them throws
    /// <see cref="NotSignedInException"/>. The SRS offers no token revocation, so a refresh token
    /// copied elsewhere stays good until it expires; this device no longer holds one.
    /// </summary>
    public void SignOut()
    {
        ForgetTokens();
        _password = null;
        Interlocked.Exchange(ref _keys, null)?.Dispose();
    }

    /// <summary>
    /// The same person on a new device, where only the username and password are known: signs in,
    /// fetches the wrapped key backup from the SRS (<c>srs.account</c>) and opens it with the
    /// password-derived wrapping key. The SRS never sees the keys in the clear.
    /// </summary>
    /// <returns>A signed-in user holding the restored keys; this object is left as it was.</returns>
    /// <exception cref="WrongPasswordException">The SRS refused the sign-in.</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public async Task<PhrUser> OnNewDeviceAsync()
    {
        var password = _password ?? throw new NotSignedInException($"{Username} signed out; the password is gone from this device.");
        using var scratch = new PhrUser(Endpoints, Username, password, Role, FhirUser, UserKeys.CreateRandom());
        using var masterKey = await scratch.DeriveMasterKeyAsync();
        await scratch.LoginWithAsync(masterKey, null);
        var backup = await scratch.Srs.GetBackupAsync(await scratch.GetSrsAccessTokenAsync());
        using var payload = KeyBackup.Open(Convert.FromBase64String(backup.WrappedBackup), masterKey);
        var restored = new PhrUser(Endpoints, Username, password, Role, FhirUser, UserKeys.FromBackupPayload(payload.AsSpan()))
        {
            UserId = scratch.UserId,
            Status = scratch.Status,
        };
        restored.FhirTokens.Accept(scratch.FhirTokens.Tokens!);
        restored.SrsTokens.Accept(scratch.SrsTokens.Tokens!);
        restored.Srs.Cookies.Add(scratch.Srs.Cookies.GetAllCookies());
        return restored;
    }

    public override string ToString() => $"{Role} {Username} ({FhirUser})";

    public void Dispose()
    {
        Srs.Dispose();
        Fhir.Dispose();
        FhirTokens.Dispose();
        SrsTokens.Dispose();
        _keys?.Dispose();
    }

    private async Task<PasswordMasterKey> DeriveMasterKeyAsync()
    {
        var password = _password ?? throw new NotSignedInException($"{Username} signed out; the password is gone from this device.");
        var kdf = await Srs.GetKdfAsync(Username);
        var settings = new PasswordKdfSettings(
            new Argon2idParameters(kdf.MemoryKiB, kdf.Iterations, kdf.Parallelism),
            Convert.FromBase64String(kdf.Salt ?? throw new SrsUnavailableException("The SRS answered KDF settings without a salt.")));
        // Derive checks the server's parameters against this client's production policy first.
        return PasswordMasterKey.Derive(password, Username, settings);
    }

    private async Task LoginWithAsync(PasswordMasterKey masterKey, string? scope)
    {
        using (var secret = masterKey.DeriveAuthenticationSecret())
        {
            await Srs.LoginAsync(new LoginRequest(Username, Convert.ToBase64String(secret.AsSpan())));
        }

        SrsTokens.Forget();
        var tokens = await AuthorizeAsync(scope ?? DefaultScope(Role));
        FhirTokens.Accept(tokens);
        // The token is the SRS's answer to this client over its own connection; its sub is the user id.
        UserId = new JsonWebToken(tokens.AccessToken).Subject;
        // The SRS signs in active accounts only.
        Status = "active";
    }

    /// <summary>
    /// New tokens for one audience: with the refresh token when there is one, else (or when the SRS
    /// no longer honours it) over the login session, signing in again with the password if the
    /// session has lapsed.
    /// </summary>
    private async Task<TokenResponse> RenewAsync(TokenResponse? held, string scope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (held?.RefreshToken is { } refresh)
        {
            try
            {
                return await Srs.RefreshAsync(refresh);
            }
            catch (SrsRequestException refused) when (refused.Status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
            {
                // Expired or revoked: the login session may still be good.
            }
        }

        if (_password is null)
        {
            throw new NotSignedInException($"{Username} signed out.");
        }

        try
        {
            return await AuthorizeAsync(scope);
        }
        catch (SrsRequestException) when (Srs.HasLoginSession)
        {
            Srs.ForgetLoginSession();
        }

        using var masterKey = await DeriveMasterKeyAsync();
        using (var secret = masterKey.DeriveAuthenticationSecret())
        {
            await Srs.LoginAsync(new LoginRequest(Username, Convert.ToBase64String(secret.AsSpan())));
        }

        return await AuthorizeAsync(scope);
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
        using var masterKey = PasswordMasterKey.Derive(_password ?? throw new NotSignedInException($"{Username} signed out."), Username, settings);
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
