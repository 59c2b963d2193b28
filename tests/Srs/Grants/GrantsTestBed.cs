using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Storage;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>One database per test class, with the SRS schema created once.</summary>
public sealed class GrantsDatabase : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("srsgrants");
        await using var db = new SrsDbContext(new DbContextOptionsBuilder<SrsDbContext>().UseNpgsql(Database.ConnectionString).Options);
        await db.Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await Database.DisposeAsync();
}

/// <summary>A clock the tests move.</summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>
/// The key directory held in memory for the grant services, and mirrored into the accounts table
/// (id, role, FHIR user, status) because the re-encryption look-up joins it in SQL.
/// </summary>
public sealed class FakeKeyDirectory(NpgsqlDataSource dataSource) : IKeyDirectory
{
    private readonly Dictionary<Guid, DirectoryEntry> _entries = [];

    public void Put(DirectoryEntry entry)
    {
        _entries[entry.UserId] = entry;
        using var command = dataSource.CreateCommand("""
            INSERT INTO srs.accounts ("Id", "Username", "Role", "FhirUser", "Status", "KdfSalt", "KdfMemoryKiB", "KdfIterations", "KdfParallelism",
                                      "AuthSecretHash", "UmbralPublicKey", "SigningPublicKey", "Fingerprint", "WrappedBackup", "CreatedAt")
            VALUES (@id, @username, @role, @fhirUser, @status, '\x00', 0, 0, 0, 'unused', @umbral, @signing, @fingerprint, '\x00', now())
            ON CONFLICT ("Id") DO UPDATE SET "Status" = excluded."Status", "UmbralPublicKey" = excluded."UmbralPublicKey", "SigningPublicKey" = excluded."SigningPublicKey"
            """);
        command.Parameters.AddWithValue("id", entry.UserId);
        command.Parameters.AddWithValue("username", entry.Username);
        command.Parameters.AddWithValue("role", entry.Role);
        command.Parameters.AddWithValue("fhirUser", entry.FhirUser);
        command.Parameters.AddWithValue("status", entry.Status.ToString());
        command.Parameters.AddWithValue("umbral", entry.UmbralPublicKey);
        command.Parameters.AddWithValue("signing", entry.SigningPublicKey);
        command.Parameters.AddWithValue("fingerprint", entry.Fingerprint);
        command.ExecuteNonQuery();
    }

    public Task<DirectoryEntry?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.GetValueOrDefault(userId));

    public Task<DirectoryEntry?> FindByFhirUserAsync(string fhirUser, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.Values.FirstOrDefault(e => e.FhirUser == fhirUser));
}

/// <summary>A registered user with their secret keys, as their own client holds them.</summary>
public sealed class TestUser(DirectoryEntry entry, SecretKey umbralKey, SecretKey signingKey)
{
    public DirectoryEntry Entry { get; set; } = entry;

    public Guid Id => Entry.UserId;

    public SecretKey UmbralKey { get; } = umbralKey;

    public SecretKey SigningKey { get; } = signingKey;

    public Signer Signer => new(SigningKey);

    public KeyFingerprint Fingerprint => KeyFingerprint.Compute(UmbralKey.PublicKey, SigningKey.PublicKey);
}

/// <summary>
/// The grant services wired as AddGrants wires them, over the class's real database, with an
/// in-memory key directory and a movable clock; plus a patient's client side (section keys,
/// statements, kfrags).
/// </summary>
public sealed class GrantsTestBed : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;
    private readonly NpgsqlDataSource _dataSource;
    private readonly Dictionary<(Guid, string, uint), SecretKey> _sectionKeys = [];

    public GrantsTestBed(TestDatabase database)
    {
        _dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        Directory = new FakeKeyDirectory(_dataSource);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_dataSource);
        services.AddDbContext<SrsDbContext>(o => o.UseNpgsql(_dataSource));
        services.AddGrants(new ConfigurationBuilder().Build());
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IKeyDirectory>(Directory);
        _services = services.BuildServiceProvider();
    }

    public TestClock Clock { get; } = new(Start);

    public FakeKeyDirectory Directory { get; }

    public IServiceProvider Services => _services;

    public TestUser Register(string role, string fhirType, AccountStatus status = AccountStatus.Active)
    {
        var umbral = SecretKey.Random();
        var signing = SecretKey.Random();
        var id = Guid.NewGuid();
        var entry = new DirectoryEntry(
            id, $"{role}-{id:N}", role, $"{fhirType}/{id:N}", status, umbral.PublicKey.ToCompressedBytes(), signing.PublicKey.ToCompressedBytes(),
            Convert.ToHexStringLower(KeyFingerprint.Compute(umbral.PublicKey, signing.PublicKey).ToBytes()));
        Directory.Put(entry);
        return new TestUser(entry, umbral, signing);
    }

    public TestUser Patient() => Register("patient", "Patient");

    public TestUser Practitioner(AccountStatus status = AccountStatus.Active) => Register("practitioner", "Practitioner", status);

    public SecretKey SectionKey(TestUser patient, string section, uint epoch)
    {
        if (!_sectionKeys.TryGetValue((patient.Id, section, epoch), out var key))
            _sectionKeys[(patient.Id, section, epoch)] = key = SecretKey.Random();
        return key;
    }

    /// <summary>
    /// A signed statement header naming the given current epochs, committing to read grants to the
    /// grantees (from <see cref="Start"/>, no end unless given), with every grantee's openings.
    /// </summary>
    public StatementUpload Statement(
        TestUser patient, long number, IEnumerable<(string Section, uint Epoch)> sections, IEnumerable<(TestUser Grantee, string Section, DateTimeOffset? End)> grants,
        Signer? signer = null)
    {
        var sectionKeys = sections.Select(s => new SeSPHR.Crypto.Grants.SectionKey(s.Section, s.Epoch, SectionKey(patient, s.Section, s.Epoch).PublicKey));
        var grantees = grants.GroupBy(g => g.Grantee.Id).Select(g => new GranteeGrants(
            g.Key.ToString(), g.First().Grantee.Fingerprint,
            [.. g.Select(x => new SectionGrant(x.Section, GrantActions.Read, Start, x.End))]));
        var statement = new GrantStatement(patient.Id.ToString(), number, Clock.GetUtcNow(), sectionKeys, grantees);
        return StatementUpload.Of(statement, signer ?? patient.Signer);
    }

    public KfragOffer Kfrag(
        TestUser patient, TestUser grantee, string section, uint epoch,
        DateTimeOffset? end = null, Signer? signer = null, PublicKey? receivingKey = null, SecretKey? delegatingKey = null)
    {
        var delegating = delegatingKey ?? SectionKey(patient, section, epoch);
        var kfrag = UmbralPre.GenerateKFrags(delegating, receivingKey ?? grantee.UmbralKey.PublicKey, signer ?? patient.Signer, 1, 1, true, true)[0];
        return new KfragOffer(section, epoch, grantee.Id, delegating.PublicKey.ToCompressedBytes(), kfrag.ToBytes(), Start, end);
    }

    public async Task<GrantUploadResult> UploadAsync(TestUser patient, string consentId, StatementUpload statement, params KfragOffer[] kfrags)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GrantService>()
            .UploadAsync(patient.Id, new GrantUpload(consentId, statement.SignedHeader, statement.Openings, kfrags), CancellationToken.None);
    }

    public async Task<IReadOnlyList<GrantRecordResponse>> ListAsync(TestUser patient, string consentId)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GrantService>().ListAsync(patient.Id, consentId, CancellationToken.None);
    }

    public async Task<ReconcileResult> ReconcileAsync(string consentId, TestUser patient, params ConsentGrant[] grants)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GrantReconciler>()
            .ReconcileAsync(consentId, patient.Entry.FhirUser, grants, CancellationToken.None);
    }

    public async Task<IReadOnlyList<ReencryptionOutcome>> ReencryptAsync(TestUser grantee, params CapsuleRequest[] items)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ReencryptionService>()
            .ReencryptAsync(grantee.Id, items, CancellationToken.None);
    }

    /// <summary>What a writer does: encrypts to the section's current key.</summary>
    public (Capsule Capsule, byte[] Ciphertext) Encrypt(TestUser patient, string section, uint epoch, byte[] plaintext) =>
        UmbralPre.Encrypt(SectionKey(patient, section, epoch).PublicKey, plaintext);

    /// <summary>What the grantee's client does with a cfrag: verifies it against the patient's keys, then opens.</summary>
    public byte[] OpenAsGrantee(TestUser patient, TestUser grantee, string section, uint epoch, Capsule capsule, byte[] ciphertext, byte[] cfrag)
    {
        var delegating = SectionKey(patient, section, epoch).PublicKey;
        var verified = CapsuleFrag.FromBytes(cfrag).Verify(capsule, patient.SigningKey.PublicKey, delegating, grantee.UmbralKey.PublicKey);
        return UmbralPre.DecryptReencrypted(grantee.UmbralKey, delegating, capsule, [verified], ciphertext);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _dataSource.DisposeAsync();
        foreach (var key in _sectionKeys.Values)
            key.Dispose();
    }
}

/// <summary>What a patient's client uploads of a statement: the signed header and the openings of the grantees' entries.</summary>
public sealed record StatementUpload(byte[] SignedHeader, IReadOnlyList<byte[]> Openings)
{
    /// <summary>A fixed grant-salt key: the tests need no secrecy, only the same tree for the same statement.</summary>
    private static readonly byte[] SaltKey = new byte[GrantStatement.SaltKeySize];

    public static StatementUpload Of(GrantStatement statement, Signer signer)
    {
        var committed = statement.Commit(SaltKey);
        return new StatementUpload(
            committed.Sign(signer).ToBytes(),
            [.. statement.Grantees.SelectMany(g => committed.OpeningsFor(g.Fingerprint)).Select(o => o.ToBytes())]);
    }
}
