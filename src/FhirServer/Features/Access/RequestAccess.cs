using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Npgsql;
using SeSPHR.FhirServer.Features.Access.Authentication;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// Who asks in this request and what Consent lets them do, worked out once per request: the caller
/// from the token (set by <see cref="FhirAuthentication"/>), then, before the handler runs, the
/// candidate patients whose records the caller may see and each one's <see cref="CallerAccess"/>.
/// </summary>
public sealed class RequestAccess(
    NpgsqlDataSource dataSource,
    PatientConsentsCache cache,
    FhirSerialization serialization,
    TimeProvider clock,
    IOptions<FhirAccessOptions> accessOptions)
{
    private Dictionary<string, CallerAccess> _records = [];
    private Dictionary<string, string> _stamps = [];
    private bool _prepared;

    /// <summary>The signed-in caller; null when authentication is off and none was presented.</summary>
    public Caller? Caller { get; private set; }

    internal GrantedScopes Scopes { get; private set; } = GrantedScopes.All;

    public string? RequestId { get; private set; }

    /// <summary>Whether Consent narrows what the caller sees and writes (<c>Fhir:Access:ConsentCheck</c>).</summary>
    public bool ConsentCheck => accessOptions.Value.ConsentCheck;

    /// <summary>The instant every decision of this request is taken at.</summary>
    public DateTimeOffset At { get; private set; } = clock.GetUtcNow();

    public ReadableRecords Readable { get; private set; } = ConsentEvaluator.Readable(new Caller("", UserRole.Researcher, null, null), DateTimeOffset.UnixEpoch, []);

    /// <summary>The caller's own record (<c>Patient/x</c>) when the caller is a patient, else null.</summary>
    public string? OwnRecord =>
        Caller is { Role: UserRole.Patient, FhirUser: { } self } && self.StartsWith("Patient/", StringComparison.Ordinal) ? self : null;

    internal void SignIn(Caller caller, IReadOnlyList<string> scopes, string requestId)
    {
        Caller = caller;
        Scopes = GrantedScopes.Parse(scopes);
        RequestId = requestId;
    }

    internal void Anonymous(string requestId)
    {
        Caller = null;
        // Without authentication nothing is known of the caller: with the Consent check on they see
        // no record (GrantedScopes is moot), with it off everything (the plain configuration).
        Scopes = GrantedScopes.All;
        RequestId = requestId;
    }

    /// <summary>What the caller may do in <paramref name="patient"/>'s record (nothing when no Consent names them).</summary>
    public CallerAccess? AccessTo(string patient) => _records.GetValueOrDefault(patient);

    /// <summary>
    /// The stamp of <paramref name="patient"/>'s Consent rows this request decided on (it changes with
    /// any Consent write or delete of theirs); null when the Consent check is off or the patient is no candidate.
    /// </summary>
    public string? ConsentStampOf(string patient) => _stamps.GetValueOrDefault(patient);

    /// <summary>Loads the candidate patients and their compiled Consents; once per request, before the handler.</summary>
    public async System.Threading.Tasks.Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (_prepared)
        {
            return;
        }

        _prepared = true;
        At = clock.GetUtcNow();
        if (!ConsentCheck || Caller is not { } caller)
        {
            return;
        }

        var (compiled, stamps) = await LoadCandidatesAsync(caller, cancellationToken);
        _stamps = stamps;
        _records = compiled.ToDictionary(c => c.Patient, c => c.AccessFor(caller, At), StringComparer.Ordinal);
        Readable = ConsentEvaluator.Readable(caller, At, compiled);
    }

    /// <summary>Re-reads the candidates after this request changed a Consent (a transaction reading what it wrote).</summary>
    public async System.Threading.Tasks.Task RefreshAsync(CancellationToken cancellationToken)
    {
        _prepared = false;
        await PrepareAsync(cancellationToken);
    }

    /// <summary>
    /// The patients whose active Consents could give the caller anything, found through the
    /// <c>_grantee</c> tokens every Consent is indexed with (<see cref="ConsentGranteeIndex"/>), plus the
    /// caller's own record; each with a stamp of its Consents so the compiled form is reused until one changes.
    /// </summary>
    private async Task<(List<PatientConsents> Compiled, Dictionary<string, string> Stamps)> LoadCandidatesAsync(Caller caller, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var text = $"""
            WITH candidates AS (
              SELECT DISTINCT c.patient FROM {SearchSql.Resources} c
              WHERE c.resource_type = 'Consent' AND NOT c.is_deleted AND c.patient IS NOT NULL
                AND EXISTS (SELECT 1 FROM {SearchTables.Token} x
                            WHERE x.resource_id = c.id AND x.param = {sql.Add(ConsentGranteeIndex.Parameter)} AND x.code = ANY({sql.Add(ConsentGranteeIndex.CodesOf(caller).ToArray())}))
              UNION SELECT {sql.Add(OwnRecord ?? "")}::text
            )
            SELECT k.patient, count(r.id)::text || ':' || coalesce(sum((r.data->>'VersionId')::bigint), 0)::text || ':' || coalesce(max(r.last_updated)::text, '')
            FROM candidates k
            LEFT JOIN {SearchSql.Resources} r ON r.resource_type = 'Consent' AND r.patient = k.patient
            WHERE k.patient <> ''
            GROUP BY k.patient
            """;
        var stamps = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand(text))
        {
            command.Parameters.AddRange(sql.Parameters.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stamps[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var result = new List<PatientConsents>(stamps.Count);
        var stale = new List<string>();
        foreach (var (patient, stamp) in stamps)
        {
            if (cache.TryGet(patient, stamp) is { } hit)
            {
                result.Add(hit);
            }
            else
            {
                stale.Add(patient);
            }
        }

        if (stale.Count > 0)
        {
            var consents = stale.ToDictionary(p => p, _ => new List<Consent>(), StringComparer.Ordinal);
            await using var command = dataSource.CreateCommand(
                $"SELECT r.patient, r.data->>'Json' FROM {SearchSql.Resources} r WHERE r.resource_type = 'Consent' AND NOT r.is_deleted AND r.patient = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter { Value = stale.ToArray() });
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (!reader.IsDBNull(1) && serialization.ParseStored(reader.GetString(1)) is Consent consent)
                    {
                        consents[reader.GetString(0)].Add(consent);
                    }
                }
            }

            foreach (var (patient, list) in consents)
            {
                var compiled = PatientConsents.Compile(patient, list);
                cache.Put(patient, stamps[patient], compiled);
                result.Add(compiled);
            }
        }

        return (result, stamps);
    }
}

/// <summary>
/// Compiled Consents per patient, kept until a Consent of theirs changes: the stamp (count, sum of
/// versions and latest change of the patient's Consent rows, tombstones included) is read with the
/// candidates on every request, so a change made through any server instance is seen at once.
/// </summary>
public sealed class PatientConsentsCache
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, (string Stamp, PatientConsents Consents)> _entries = new(StringComparer.Ordinal);

    public PatientConsents? TryGet(string patient, string stamp) =>
        _entries.TryGetValue(patient, out var entry) && entry.Stamp == stamp ? entry.Consents : null;

    public void Put(string patient, string stamp, PatientConsents consents)
    {
        if (_entries.Count >= Capacity)
        {
            // Crude but bounded: a full cache starts over rather than growing with every patient.
            _entries.Clear();
        }

        _entries[patient] = (stamp, consents);
    }
}
