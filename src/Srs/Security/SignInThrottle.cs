using System.Collections.Concurrent;

namespace SeSPHR.Srs.Security;

/// <summary>
/// Sign-in throttling that a stranger cannot turn against the account's owner (OWASP's advice for
/// authentication: throttle per pair of username and client address, with delays that grow,
/// rather than lock an account). Each (username, address) pair has a few free attempts; after them
/// each attempt must wait twice as long as the one before, up to a ceiling; a successful sign-in
/// clears the pair. Across all addresses, a username that has failed more than the per-username
/// ceiling within its window loses its free attempts everywhere, so an attacker with many addresses
/// meets the delays from the first attempt; an address that has not tried that username yet
/// always gets its first attempt, so the owner from their own address is never shut out. The
/// per-address limit of the login endpoint (<see cref="SrsRateLimits.Login"/>) bounds how many
/// usernames one address can try. An attempt counts before the secret is checked, so parallel
/// guesses from one pair are throttled as much as sequential ones.
/// </summary>
/// <remarks>
/// The counters live in this process's memory: they restart with the SRS and are not shared
/// between SRS processes. A pair idle for <see cref="SignInThrottleOptions.ForgetAfter"/> starts
/// afresh; when <see cref="SignInThrottleOptions.MaxPairs"/> pairs are held, those idle that long
/// are dropped.
/// </remarks>
public sealed class SignInThrottle(SignInThrottleOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string Username, string Address), Pair> _pairs = new();
    private readonly ConcurrentDictionary<string, UsernameWindow> _usernames = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes one attempt for <paramref name="username"/> from <paramref name="address"/>; false and
    /// how long to wait when the pair must wait first.
    /// </summary>
    public bool TryAttempt(string username, string address, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(address);
        var now = clock.GetUtcNow();
        ForgetExpired(now);
        var underAttack = CountFailure(username, now) > options.UsernameCeiling;
        var pair = _pairs.GetOrAdd((username, address), _ => new Pair());
        lock (pair)
        {
            if (now < pair.NextAttemptAt)
            {
                UndoFailure(username);
                retryAfter = pair.NextAttemptAt - now;
                return false;
            }

            // A pair left alone long enough starts afresh: the owner who mistyped last month is not slowed today.
            if (now >= pair.NextAttemptAt + options.ForgetAfter)
                pair.Attempts = 0;
            pair.Attempts++;
            var free = underAttack ? 0 : options.FreeAttempts;
            pair.NextAttemptAt = pair.Attempts <= free ? now : now + Delay(pair.Attempts - free);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>A correct sign-in: the pair starts afresh, and the attempt is not a failure of the username.</summary>
    public void Succeeded(string username, string address)
    {
        _pairs.TryRemove((username, address), out _);
        UndoFailure(username);
    }

    private TimeSpan Delay(int beyondFree)
    {
        var seconds = options.FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(beyondFree - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, options.MaxDelay.TotalSeconds));
    }

    private int CountFailure(string username, DateTimeOffset now)
    {
        var window = _usernames.GetOrAdd(username, _ => new UsernameWindow());
        lock (window)
        {
            if (now >= window.Start + options.UsernameWindow)
                (window.Start, window.Failures) = (now, 0);
            return ++window.Failures;
        }
    }

    private void UndoFailure(string username)
    {
        if (!_usernames.TryGetValue(username, out var window))
            return;
        lock (window)
            window.Failures = Math.Max(0, window.Failures - 1);
    }

    private void ForgetExpired(DateTimeOffset now)
    {
        if (_pairs.Count < options.MaxPairs)
            return;
        foreach (var (key, pair) in _pairs)
        {
            if (pair.NextAttemptAt + options.ForgetAfter <= now)
                _pairs.TryRemove(new KeyValuePair<(string, string), Pair>(key, pair));
        }

        foreach (var (name, window) in _usernames)
        {
            if (window.Start + options.UsernameWindow <= now)
                _usernames.TryRemove(new KeyValuePair<string, UsernameWindow>(name, window));
        }
    }

    private sealed class Pair
    {
        public int Attempts { get; set; }

        public DateTimeOffset NextAttemptAt { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class UsernameWindow
    {
        public DateTimeOffset Start { get; set; } = DateTimeOffset.MinValue;

        public int Failures { get; set; }
    }
}

/// <summary>
/// Settings of <see cref="SignInThrottle"/> under <c>Srs:SignInThrottle</c>: free attempts per
/// (username, address) pair, the first delay and its ceiling, the per-username ceiling of failures
/// within its window past which no pair has free attempts, and when an idle pair is forgotten.
/// </summary>
public sealed class SignInThrottleOptions
{
    public int FreeAttempts { get; set; } = 3;

    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    public int UsernameCeiling { get; set; } = 50;

    public TimeSpan UsernameWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long after its last allowed attempt a pair is forgotten (starts afresh).</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromDays(1);

    public int MaxPairs { get; set; } = 100_000;
}
