namespace SeSPHR.Srs.Storage;

/// <summary>
/// Migrates the SRS schema once per process, whoever needs it first: the start-up work or the
/// first OpenIddict request that loads the signing key (<see cref="SrsMigrations"/>).
/// </summary>
public sealed class SchemaGate(IServiceScopeFactory scopes) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _ready;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _ready))
            return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
                return;
            await using var scope = scopes.CreateAsyncScope();
            await SrsMigrations.MigrateAsync(scope.ServiceProvider.GetRequiredService<SrsDbContext>(), cancellationToken);
            Volatile.Write(ref _ready, true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
