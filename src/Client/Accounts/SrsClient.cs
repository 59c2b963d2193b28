using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Client.Errors;

namespace SeSPHR.Client.Accounts;

/// <summary>A request to the SRS was refused; carries the status and the problem's title, never the request body.</summary>
public sealed class SrsRequestException(HttpStatusCode status, string? title, string what)
    : Exception($"{what}: SRS answered {(int)status} {title}")
{
    public HttpStatusCode Status { get; } = status;

    public string? Title { get; } = title;
}

/// <summary>
/// One device's HTTP conversation with the SRS (src/Srs/API.md): its own cookie jar (the login
/// session lives only there) and no automatic redirects, so the authorization code is read from the
/// <c>Location</c> header exactly as a native app's redirect handler would. A refused sign-in is a
/// <see cref="WrongPasswordException"/>; an SRS that cannot be reached, does not answer in time or
/// fails (5xx) is a <see cref="SrsUnavailableException"/>. With a <see cref="TokenSession"/>, a
/// call made with that session's token goes out with a renewed one when it is about to expire, and
/// is sent once more with a renewed one when the SRS answers 401.
/// </summary>
public sealed class SrsClient : IDisposable
{
    public const string AppClientId = "sesphr-app";
    public static readonly Uri AppRedirectUri = new("http://127.0.0.1/callback");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;

    public SrsClient(Uri baseAddress)
        : this(baseAddress, null)
    {
    }

    /// <param name="baseAddress">The SRS's root.</param>
    /// <param name="session">The caller's SRS tokens, renewed on the way out; null for a client that passes tokens it manages itself.</param>
    public SrsClient(Uri baseAddress, TokenSession? session)
    {
        Cookies = new CookieContainer();
        HttpMessageHandler handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true };
        if (session is not null)
        {
            handler = new BearerTokenHandler(session, attachWhenMissing: false) { InnerHandler = handler };
        }

        _http = new HttpClient(UnavailableServiceHandler.ForSrs(TimeSpan.FromSeconds(30)).Wrapping(handler))
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public CookieContainer Cookies { get; }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<KdfSettings> GetKdfAsync(string username) =>
        await ReadAsync<KdfSettings>(await _http.GetAsync($"api/accounts/kdf?username={Uri.EscapeDataString(username)}"), "kdf lookup");

    public async Task<RegistrationResponse> RegisterAsync(RegistrationRequest body) =>
        await ReadAsync<RegistrationResponse>(await _http.PostAsJsonAsync("api/accounts", body, Json), "registration");

    public async Task<RegistrationResponse> EnrolAsync(EnrolmentRequest body) =>
        await ReadAsync<RegistrationResponse>(await _http.PostAsJsonAsync("api/enrolment", body, Json), "enrolment");

    /// <summary>Opens the SRS login session (a cookie in this client's jar).</summary>
    /// <exception cref="WrongPasswordException">The SRS refused the sign-in (it does not say whether the user exists).</exception>
    public async Task LoginAsync(LoginRequest body)
    {
        var response = await _http.PostAsJsonAsync("account/login", body, Json);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new WrongPasswordException("The SRS refused the sign-in: unknown user, wrong password, or an account that is not active.");
        }

        await EnsureAsync(response, "login");
    }

    /// <summary>
    /// SMART Backend Services: client credentials with a signed client assertion (private-key JWT,
    /// API.md "Client assertions"), for system scopes.
    /// </summary>
    /// <exception cref="SignInRefusedException">The SRS refused the assertion or the scope.</exception>
    public async Task<TokenResponse> ClientCredentialsAsync(string clientAssertion, string scope)
    {
        try
        {
            return await TokenAsync(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ["client_assertion"] = clientAssertion,
                ["scope"] = scope,
            });
        }
        catch (SrsRequestException refused) when ((int)refused.Status is >= 400 and < 500)
        {
            throw new SignInRefusedException($"The SRS refused the system's sign-in ({(int)refused.Status} {refused.Title}).", refused);
        }
    }

    /// <summary>The SRS's token endpoint, the audience of a client assertion.</summary>
    public Uri TokenEndpoint => new(BaseAddress, "connect/token");

    /// <summary>
    /// The authorization step of the code flow: with the login cookie, the SRS answers 302 to the
    /// redirect URI carrying the code and our state.
    /// </summary>
    public async Task<string> AuthorizeAsync(string scope, Pkce pkce)
    {
        var state = Pkce.Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var query = string.Join('&', new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = AppClientId,
            ["redirect_uri"] = AppRedirectUri.ToString(),
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = Pkce.Method,
        }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        using var response = await _http.GetAsync("connect/authorize?" + query);
        if (response.StatusCode != HttpStatusCode.Found || response.Headers.Location is not { } location)
        {
            throw new SrsRequestException(response.StatusCode, null, "authorization (expected 302 to the redirect URI)");
        }

        var absolute = location.IsAbsoluteUri ? location : new Uri(BaseAddress, location);
        if (!absolute.GetLeftPart(UriPartial.Path).Equals(AppRedirectUri.GetLeftPart(UriPartial.Path), StringComparison.Ordinal))
        {
            throw new SrsRequestException(response.StatusCode, null, "authorization redirected elsewhere than the app (login missing?)");
        }

        var parameters = ParseQuery(absolute.Query);
        if (!parameters.TryGetValue("state", out var returnedState) || returnedState != state)
        {
            throw new InvalidOperationException("The authorization response's state does not match the request's.");
        }

        return parameters.TryGetValue("code", out var code)
            ? code
            : throw new SrsRequestException(response.StatusCode, parameters.GetValueOrDefault("error"), "authorization");
    }

    /// <summary>Whether this client holds an SRS login session (a cookie that may still be good).</summary>
    public bool HasLoginSession => Cookies.GetCookies(BaseAddress).Count > 0;

    /// <summary>Forgets the login session: its cookies expire here (the SRS keeps no list of them).</summary>
    public void ForgetLoginSession()
    {
        foreach (Cookie cookie in Cookies.GetAllCookies())
        {
            cookie.Expired = true;
        }
    }

    public async Task<TokenResponse> RedeemCodeAsync(string code, Pkce pkce) =>
        await TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = AppRedirectUri.ToString(),
            ["client_id"] = AppClientId,
            ["code_verifier"] = pkce.Verifier,
        });

    public async Task<TokenResponse> RefreshAsync(string refreshToken) =>
        await TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = AppClientId,
        });

    public async Task<DirectoryEntryResponse> MeAsync(string accessToken) =>
        await ReadAsync<DirectoryEntryResponse>(await SendAsync(HttpMethod.Get, "api/accounts/me", accessToken), "own directory entry");

    public async Task<BackupResponse> GetBackupAsync(string accessToken) =>
        await ReadAsync<BackupResponse>(await SendAsync(HttpMethod.Get, "api/accounts/me/backup", accessToken), "key backup");

    public async Task ApproveAsync(string userId, string adminToken) =>
        await EnsureAsync(await SendAsync(HttpMethod.Post, $"api/accounts/{Uri.EscapeDataString(userId)}/approval", adminToken), "approval");

    public async Task SuspendAsync(string userId, string adminToken) =>
        await EnsureAsync(await SendAsync(HttpMethod.Post, $"api/accounts/{Uri.EscapeDataString(userId)}/suspension", adminToken), "suspension");

    public async Task<DirectoryEntryResponse?> FindByFhirUserAsync(string fhirUser, string accessToken)
    {
        var entries = await ReadAsync<List<DirectoryEntryResponse>>(
            await SendAsync(HttpMethod.Get, $"api/directory?fhirUser={Uri.EscapeDataString(fhirUser)}", accessToken), "directory lookup");
        return entries.SingleOrDefault();
    }

    /// <summary>The directory entry of exactly that username; null when the directory has none.</summary>
    public async Task<DirectoryEntryResponse?> FindByUsernameAsync(string username, string accessToken)
    {
        var entries = await ReadAsync<List<DirectoryEntryResponse>>(
            await SendAsync(HttpMethod.Get, $"api/directory?username={Uri.EscapeDataString(username)}", accessToken), "directory lookup");
        return entries.SingleOrDefault();
    }

    /// <summary>The directory entry of a user id; null when the SRS knows no such user.</summary>
    public async Task<DirectoryEntryResponse?> FindUserAsync(string userId, string accessToken)
    {
        var response = await SendAsync(HttpMethod.Get, $"api/directory/users/{Uri.EscapeDataString(userId)}", accessToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        return await ReadAsync<DirectoryEntryResponse>(response, "directory lookup");
    }

    /// <summary>Lists a professional role (only an admin may list patients and related persons).</summary>
    public async Task<IReadOnlyList<DirectoryEntryResponse>> FindByRoleAsync(string role, string accessToken) =>
        await ReadAsync<List<DirectoryEntryResponse>>(await SendAsync(HttpMethod.Get, $"api/directory?role={Uri.EscapeDataString(role)}", accessToken), "directory lookup");

    public async Task<GrantUploadResponse> UploadGrantsAsync(GrantUploadRequest upload, string accessToken) =>
        await ReadAsync<GrantUploadResponse>(await SendAsync(HttpMethod.Post, "api/grants", accessToken, upload), "kfrag upload");

    public async Task<IReadOnlyList<GrantRecordResponse>> GetGrantsAsync(string consentId, string accessToken) =>
        await ReadAsync<List<GrantRecordResponse>>(
            await SendAsync(HttpMethod.Get, $"api/grants?consentId={Uri.EscapeDataString(consentId)}", accessToken), "kfrag records");

    public async Task<IReadOnlyList<PendingMemberResponse>> GetPendingMembersAsync(string accessToken) =>
        await ReadAsync<List<PendingMemberResponse>>(await SendAsync(HttpMethod.Get, "api/grants/pending-members", accessToken), "pending role members");

    /// <summary>
    /// <c>POST /api/clients</c> (admin): registers a SMART Backend Services client with its public
    /// JWKS (<see cref="SystemAccount.PublicJwks"/>), the service account it acts for and its system scopes.
    /// </summary>
    public async Task<ClientRegistrationResponse> RegisterClientAsync(ClientRegistrationRequest registration, string adminToken) =>
        await ReadAsync<ClientRegistrationResponse>(await SendAsync(HttpMethod.Post, "api/clients", adminToken, registration), "client registration");

    public async Task WithdrawApprovalAsync(string userId, string adminToken) =>
        await EnsureAsync(await SendAsync(HttpMethod.Delete, $"api/accounts/{Uri.EscapeDataString(userId)}/approval", adminToken), "approval withdrawal");

    public void Dispose() => _http.Dispose();

    private async Task<TokenResponse> TokenAsync(Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        return await ReadAsync<TokenResponse>(await _http.PostAsync("connect/token", content), "token");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        return await _http.SendAsync(request);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string what)
    {
        using (response)
        {
            await EnsureSuccessAsync(response, what);
            return await response.Content.ReadFromJsonAsync<T>(Json)
                ?? throw new InvalidOperationException($"{what}: the SRS answered an empty body");
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        using (response)
        {
            await EnsureSuccessAsync(response, what);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? title = null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = problem.RootElement.TryGetProperty("title", out var t) ? t.GetString()
                    : problem.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not a problem document; the status says enough.
        }

        throw new SrsRequestException(response.StatusCode, title, what);
    }

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "", StringComparer.Ordinal);
}
