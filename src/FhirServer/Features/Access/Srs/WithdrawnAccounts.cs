using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// The accounts the SRS has withdrawn (suspended members, service accounts switched off), polled
/// from <c>GET /api/accounts/withdrawn</c> every <see cref="SrsOptions.WithdrawnPollInterval"/>.
/// An access token is a signed JWT the FhirServer checks offline, so without this a suspended
/// user's token would keep opening the FHIR API until it expires (up to 15 minutes); with it, the
/// gate refuses the token within one poll. The SRS lists only accounts whose access an admin took
/// away (not those pending since registration), each with the time it happened, and a token is
/// refused when it was issued (<c>iat</c>) no later than that: an account given its access back
/// drops off the list, and its members' new tokens are not caught by a list one poll behind. When
/// the SRS cannot be reached the last list stays in force (a suspension is never forgotten by a
/// failed poll); before the first answer the list is empty and only the token lifetime bounds access.
/// </summary>
public sealed partial class WithdrawnAccounts(SrsConnection srs, IOptions<SrsOptions> options, TimeProvider clock, ILogger<WithdrawnAccounts> logger)
    : BackgroundService
{
    private const string Operation = "withdrawn-account poll";

    // Each listed account with the time the SRS says its access was taken away.
    private FrozenDictionary<string, DateTimeOffset> _withdrawn = FrozenDictionary<string, DateTimeOffset>.Empty;
    private bool _failing;

    /// <summary>
    /// Whether a token of <paramref name="userId"/> (the SRS user id) issued at
    /// <paramref name="issuedAt"/> (its <c>iat</c>; null when it has none) predates its account's withdrawal.
    /// </summary>
    public bool IsWithdrawn(string userId, DateTimeOffset? issuedAt) =>
        Volatile.Read(ref _withdrawn).TryGetValue(userId, out var withdrawnAt) && (issuedAt is not { } issued || issued <= withdrawnAt);

    /// <summary>Fetches the list once; throws <see cref="SrsUnavailableException"/> and keeps the old list on failure.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await srs.GetAsync<WithdrawnAccountsAnswer>("/api/accounts/withdrawn", Operation, cancellationToken);
        // DistinctBy: a repeated id in the answer must not make the poll throw and stop the host.
        var withdrawn = (answer.Accounts ?? [])
            .DistinctBy(account => account.UserId)
            .ToFrozenDictionary(account => account.UserId.ToString("D"), account => account.WithdrawnAt, StringComparer.OrdinalIgnoreCase);
        Volatile.Write(ref _withdrawn, withdrawn);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.BaseUrl is null || settings.WithdrawnPollInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.WithdrawnPollInterval, clock);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (_failing)
                {
                    _failing = false;
                    LogRecovered(logger);
                }
            }
            catch (SrsUnavailableException)
            {
                // SrsConnection has logged why; say once that the list is now stale, not every poll.
                if (!_failing)
                {
                    _failing = true;
                    LogStale(logger);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private sealed record WithdrawnAccountsAnswer(WithdrawnAccountAnswer[]? Accounts);

    private sealed record WithdrawnAccountAnswer(Guid UserId, DateTimeOffset WithdrawnAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SRS's list of withdrawn accounts could not be refreshed; the last list stays in force until it can.")]
    private static partial void LogStale(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The SRS's list of withdrawn accounts is being refreshed again.")]
    private static partial void LogRecovered(ILogger logger);
}
