using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SeSPHR.Client.Accounts;
using SeSPHR.Portal.Hosting;

namespace SeSPHR.Portal.Sessions;

/// <summary>
/// The signed-in people of this portal process, with their unwrapped keys, in memory only. The
/// browser holds an opaque random session id inside the authentication cookie and nothing else; a
/// session ends at sign-out, after <see cref="PortalOptions.IdleTimeout"/> without a request, after
/// <see cref="PortalOptions.AbsoluteTimeout"/> in any case, or when the process stops, and its keys
/// are zeroed then (<see cref="PhrUser.SignOut"/>).
/// </summary>
public sealed class KeySessions(IOptions<PortalOptions> options, TimeProvider clock) : IDisposable
{
    private readonly ConcurrentDictionary<string, KeySession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    /// <summary>Keeps <paramref name="user"/> for a new session; the id goes into the cookie.</summary>
    public string Open(PhrUser user)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        _sessions[id] = new KeySession(user, now, now);
        return id;
    }

    /// <summary>The session's user, or null when it ended (signed out, expired, or the portal restarted).</summary>
    public PhrUser? Find(string? id)
    {
        if (id is null || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (now - session.LastSeen > options.Value.IdleTimeout || now - session.Started > options.Value.AbsoluteTimeout)
        {
            Close(id);
            return null;
        }

        session.LastSeen = now;
        return session.User;
    }

    /// <summary>When the session of <paramref name="id"/> started (it ends <see cref="PortalOptions.AbsoluteTimeout"/> later).</summary>
    public DateTimeOffset StartedAt(string? id) =>
        id is not null && _sessions.TryGetValue(id, out var session) ? session.Started : clock.GetUtcNow();

    /// <summary>Ends a session: its tokens are dropped and its keys zeroed.</summary>
    public void Close(string? id)
    {
        if (id is not null && _sessions.TryRemove(id, out var session))
        {
            session.User.SignOut();
            session.User.Dispose();
        }
    }

    /// <summary>Ends every session past its idle or absolute limit (run on a timer, so keys do not wait for a request).</summary>
    public void CloseExpired()
    {
        foreach (var id in _sessions.Keys)
        {
            _ = Find(id);
        }
    }

    public void Dispose()
    {
        foreach (var id in _sessions.Keys)
        {
            Close(id);
        }
    }

    private sealed class KeySession(PhrUser user, DateTimeOffset started, DateTimeOffset lastSeen)
    {
        public PhrUser User { get; } = user;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset LastSeen { get; set; } = lastSeen;
    }
}

/// <summary>Sweeps expired sessions once a minute.</summary>
internal sealed class KeySessionSweeper(KeySessions sessions) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            sessions.CloseExpired();
        }
    }
}
