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
/// drops off the list, and its members' new tokens are not caught by a list one poll behind.
/// Fail closed: the list is <see cref="IsCurrent"/> only once a poll has succeeded and for at most
/// <see cref="SrsOptions.WithdrawnMaxStaleness"/> after the last one that did; the gate accepts no
/// user token while it is not (a wrong service secret, an SRS not there at start, a long outage),
/// because without it a suspended user's token looks like anyone's. Within that bound a failed
/// poll keeps the last list in force (a suspension is never forgotten by a failed poll).
/// </summary>
public sealed partial class WithdrawnAccounts(SrsConnection srs, IOptions<SrsOptions> options, TimeProvider clock, ILogger<WithdrawnAccounts> logger)
    : BackgroundService
{
    private const string Operation = "withdrawn-account poll";

    // How soon a poll is tried again while no list was ever loaded: a FhirServer started beside its
    // SRS accepts tokens within a second of the SRS answering, not a whole poll interval later.
    private static readonly TimeSpan FirstLoadRetry = TimeSpan.FromSeconds(1);

    // Null until the first successful poll: each listed account with the time the SRS says its
    // access was taken away, and when this server last heard the list.
    private WithdrawnList? _list;
    private bool _failing;

    /// <summary>
    /// Whether the list is known well enough to judge tokens by: loaded, and last refreshed no longer
    /// than <see cref="SrsOptions.WithdrawnMaxStaleness"/> ago.
    /// </summary>
    public bool IsCurrent =>
        Volatile.Read(ref _list) is { } list && clock.GetUtcNow() - list.LoadedAt <= options.Value.WithdrawnMaxStaleness;

    /// <summary>Seconds a refused caller is told to wait (<c>Retry-After</c>): one poll, at least one second.</summary>
    public string RetryAfterSeconds =>
        Math.Max(1, (int)Math.Ceiling(options.Value.WithdrawnPollInterval.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a token of <paramref name="userId"/> (the SRS user id) issued at
    /// <paramref name="issuedAt"/> (its <c>iat</c>; null when it has none) predates its account's withdrawal.
    /// </summary>
    public bool IsWithdrawn(string userId, DateTimeOffset? issuedAt) =>
        Volatile.Read(ref _list) is { } list
        && list.Accounts.TryGetValue(userId, out var withdrawnAt) && (issuedAt is not { } issued || issued <= withdrawnAt);

    /// <summary>Fetches the list once; throws <see cref="SrsUnavailableException"/> and keeps the old list on failure.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await srs.GetAsync<WithdrawnAccountsResponse>("/api/accounts/withdrawn", Operation, cancellationToken);
        // DistinctBy: a repeated id in the answer must not make the poll throw and stop the host.
        var withdrawn = (answer.Accounts ?? [])
            .DistinctBy(account => account.UserId)
            .ToFrozenDictionary(account => account.UserId.ToString("D"), account => account.WithdrawnAt, StringComparer.OrdinalIgnoreCase);
        Volatile.Write(ref _list, new WithdrawnList(withdrawn, clock.GetUtcNow()));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.BaseUrl is null || settings.WithdrawnPollInterval <= TimeSpan.Zero)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await PollAsync(stoppingToken);
            var wait = Volatile.Read(ref _list) is null && FirstLoadRetry < settings.WithdrawnPollInterval
                ? FirstLoadRetry
                : settings.WithdrawnPollInterval;
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PollAsync(CancellationToken stoppingToken)
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
                LogStale(logger, options.Value.WithdrawnMaxStaleness);
            }
        }
    }

    private sealed record WithdrawnList(FrozenDictionary<string, DateTimeOffset> Accounts, DateTimeOffset LoadedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SRS's list of withdrawn accounts could not be loaded or refreshed; a list already loaded stays in force for {MaxStaleness}, and user tokens are refused (503) while none is current.")]
    private static partial void LogStale(ILogger logger, TimeSpan maxStaleness);

    [LoggerMessage(Level = LogLevel.Information, Message = "The SRS's list of withdrawn accounts is being refreshed again.")]
    private static partial void LogRecovered(ILogger logger);
}
