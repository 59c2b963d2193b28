using SeSPHR.Client.Errors;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// The tokens of one audience (the FhirServer or the SRS, never both: API.md "One audience per
/// token") and how to get new ones. <see cref="GetAsync"/> hands out an access token with more than
/// <see cref="RenewalMargin"/> left, renewing it first when it has less, so a caller that runs for
/// hours never sends an expired one; concurrent callers share one renewal.
/// </summary>
public sealed class TokenSession : IDisposable
{
    /// <summary>How long before its expiry a token is renewed (at most half its lifetime).</summary>
    public static readonly TimeSpan RenewalMargin = TimeSpan.FromMinutes(1);

    private readonly Func<TokenResponse?, CancellationToken, Task<TokenResponse>> _renew;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private Issued? _current;

    /// <param name="renew">
    /// Gets new tokens, given the current ones (null when there are none yet): with the refresh
    /// token, a fresh client assertion, or the SRS login session.
    /// </param>
    /// <param name="clock">The clock that decides expiry (the system clock when null).</param>
    public TokenSession(Func<TokenResponse?, CancellationToken, Task<TokenResponse>> renew, TimeProvider? clock = null)
    {
        _renew = renew;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The access token held now, expired or not; null when there is none.</summary>
    public string? Current => Volatile.Read(ref _current)?.Tokens.AccessToken;

    /// <summary>The scopes the SRS granted with the current token.</summary>
    public string? Scope => Volatile.Read(ref _current)?.Tokens.Scope;

    /// <summary>The token response the current access token came in (its <c>patient</c>, its refresh token).</summary>
    public TokenResponse? Tokens => Volatile.Read(ref _current)?.Tokens;

    /// <summary>Takes tokens got elsewhere (the sign-in), replacing any held.</summary>
    public void Accept(TokenResponse tokens) => Volatile.Write(ref _current, Check(tokens));

    /// <summary>An access token with more than <see cref="RenewalMargin"/> left, renewed first if needed.</summary>
    /// <exception cref="NotSignedInException">There are no tokens (never signed in, or signed out).</exception>
    public async Task<string> GetAsync(CancellationToken cancellationToken = default)
    {
        var held = Volatile.Read(ref _current) ?? throw new NotSignedInException("Not signed in: there is no token for this service.");
        return IsFresh(held) ? held.Tokens.AccessToken! : await RenewAsync(held.Tokens.AccessToken!, cancellationToken);
    }

    /// <summary>
    /// New tokens unless another caller already replaced <paramref name="stale"/> (the token a
    /// request was refused with, or the one found expiring); returns the access token to use now.
    /// </summary>
    public async Task<string> RenewAsync(string? stale, CancellationToken cancellationToken = default)
    {
        await _renewing.WaitAsync(cancellationToken);
        try
        {
            var held = Volatile.Read(ref _current);
            if (held is not null && held.Tokens.AccessToken != stale && IsFresh(held))
            {
                return held.Tokens.AccessToken!;
            }

            var renewed = await _renew(held?.Tokens, cancellationToken);
            // A refresh may not repeat the refresh token; the one held stays good then.
            renewed = renewed.RefreshToken is null && held?.Tokens.RefreshToken is { } refresh ? renewed with { RefreshToken = refresh } : renewed;
            var issued = Check(renewed);
            Volatile.Write(ref _current, issued);
            return issued.Tokens.AccessToken!;
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>Drops the tokens; the next <see cref="GetAsync"/> throws <see cref="NotSignedInException"/>.</summary>
    public TokenResponse? Forget() => Interlocked.Exchange(ref _current, null)?.Tokens;

    public void Dispose() => _renewing.Dispose();

    private bool IsFresh(Issued held) => _clock.GetUtcNow() < held.RenewAt;

    private Issued Check(TokenResponse tokens) =>
        string.IsNullOrEmpty(tokens.AccessToken) || tokens.ExpiresIn <= 0
            ? throw new SrsUnavailableException("The SRS answered the token request without an access token or its lifetime.")
            : new Issued(tokens, _clock.GetUtcNow() + RenewalPoint(TimeSpan.FromSeconds(tokens.ExpiresIn)));

    // A margin before expiry, but never later than halfway for a short-lived token.
    private static TimeSpan RenewalPoint(TimeSpan lifetime) =>
        lifetime - TimeSpan.FromTicks(Math.Min(RenewalMargin.Ticks, lifetime.Ticks / 2));

    private sealed record Issued(TokenResponse Tokens, DateTimeOffset RenewAt);
}
