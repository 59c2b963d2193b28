using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Contracts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Vitals;

/// <summary>
/// The vitals of one record as the signed-in person may reach them: the patient's own record through
/// the patient's client, or another patient's record through the grantee's client, with what the
/// patient's verified grant statement lets this grantee do in the vitals section.
/// </summary>
public sealed class RecordVitals : IDisposable
{
    /// <summary>A year of daily readings of four vitals fits in two pages of the FhirServer's largest page.</summary>
    private const int OwnPageSize = 1000;

    /// <summary>
    /// Each page a grantee reads waits for the SRS to re-encrypt every capsule on it within the
    /// FhirServer's time limit for one SRS call; smaller pages keep each call well inside it.
    /// </summary>
    private const int GranteePageSize = 200;

    private readonly FhirClient _fhir;

    private RecordVitals(FhirClient fhir, string patientFhirUser, string patientUsername, bool isOwnRecord, bool mayRead, bool mayWrite)
    {
        _fhir = fhir;
        PatientFhirUser = patientFhirUser;
        PatientUsername = patientUsername;
        IsOwnRecord = isOwnRecord;
        MayRead = mayRead;
        MayWrite = mayWrite;
    }

    public string PatientFhirUser { get; }

    /// <summary>The patient's username in the key directory, to name the record on the page.</summary>
    public string PatientUsername { get; }

    public bool IsOwnRecord { get; }

    /// <summary>Whether the patient's grant statement lets this reader read vitals (always, on the own record).</summary>
    public bool MayRead { get; }

    /// <summary>Whether the patient's grant statement lets this reader add vitals (always, on the own record).</summary>
    public bool MayWrite { get; }

    /// <summary>
    /// The signed-in patient's own record when <paramref name="patientId"/> is null or their own id;
    /// otherwise the record of <c>Patient/{patientId}</c> as a grantee; null when the key directory
    /// knows no such patient (or a non-patient names none).
    /// </summary>
    public static async Task<RecordVitals?> OpenAsync(PhrUser user, PortalJournals journals, string? patientId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(journals);
        var own = user.Role == SrsRoles.Patient && (patientId is null || user.FhirUser == "Patient/" + patientId);
        if (own)
        {
            var record = new PatientRecord(user, PatientGrants.Open(user, journals.For(user)).Book);
            return new RecordVitals(record.CreateFhirClient(), user.FhirUser, user.Username, isOwnRecord: true, mayRead: true, mayWrite: true);
        }

        if (patientId is null)
        {
            return null;
        }

        var patient = "Patient/" + patientId;
        if (await user.Srs.FindByFhirUserAsync(patient, await user.GetSrsAccessTokenAsync()) is not { Role: SrsRoles.Patient } entry)
        {
            return null;
        }

        var trust = await new GranteeReader(user).LearnAsync(patient);
        var section = PhrSection.Vitals.ToCode();
        return new RecordVitals(
            user.CreateFhirClient(), patient, entry.Username, isOwnRecord: false, trust.Allows(section, GrantActions.Read, now), trust.Allows(section, GrantActions.Write, now));
    }

    /// <summary>
    /// The vital-signs Observations of the record measured within <paramref name="period"/> that this
    /// reader can open, newest first, page after page. A grantee whose statement names no read grant,
    /// and who opened none, sees the section as not shared (the FhirServer leaves out what it may not
    /// read, so an empty answer alone would look like no data).
    /// </summary>
    public async Task<VitalsSeries> ReadAsync(VitalsPeriod period, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(period);
        var opened = await OpenEveryPageAsync(Criteria(period, now, IsOwnRecord ? OwnPageSize : GranteePageSize));
        if (!MayRead && opened.Count == 0)
        {
            return VitalsSeries.NotShared;
        }

        // An empty period says "none in this period" only when older readings exist; one reading tells.
        var since = opened.Count == 0 && period.Since(now) is not null && !await AnyAsync() ? null : period.Since(now);
        return VitalsSeries.From(opened, period, since);
    }

    private async Task<List<Observation>> OpenEveryPageAsync(IEnumerable<string> criteria)
    {
        var opened = new List<Observation>();
        var page = await SearchAsync(() => _fhir.SearchAsync<Observation>([.. criteria]));
        while (page is not null)
        {
            opened.AddRange(page.Entry
                .Where(entry => entry.Search?.Mode is null or Bundle.SearchEntryMode.Match)
                .Select(entry => entry.Resource)
                .OfType<Observation>()
                .Where(observation => !observation.SealedSections().Contains(PhrSection.Vitals)));
            var current = page;
            page = current.NextLink is null ? null : await SearchAsync(() => _fhir.ContinueAsync(current));
        }

        return opened;
    }

    private async Task<bool> AnyAsync() =>
        (await SearchAsync(() => _fhir.SearchAsync<Observation>([.. Criteria(period: null, DateTimeOffset.MinValue, count: 1)])))?.Entry
            .Any(entry => entry.Resource is Observation) == true;

    private IEnumerable<string> Criteria(VitalsPeriod? period, DateTimeOffset now, int count)
    {
        yield return "subject=" + PatientFhirUser;
        yield return $"category={VitalSigns.CategorySystem}|{VitalSigns.CategoryCode}";
        if (period?.DateCriterion(now) is { } since)
        {
            yield return since;
        }

        yield return "_sort=-date";
        yield return "_count=" + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<Bundle?> SearchAsync(Func<Task<Bundle?>> search)
    {
        try
        {
            return await search();
        }
        catch (FhirOperationException failed) when ((int)failed.Status >= 500)
        {
            // The FhirServer (or the SRS behind it, for a grantee's cfrags) could not answer: the error page says so.
            throw new FhirServerUnavailableException("The FhirServer could not answer the search for vitals; try again in a moment.", failed);
        }
    }

    /// <summary>Seals and writes each Observation (the patient's keys, or the grantee's write grant).</summary>
    /// <exception cref="WriteNotGrantedException">a grantee without a write grant in vitals.</exception>
    public async System.Threading.Tasks.Task WriteAsync(IEnumerable<Observation> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        foreach (var observation in observations)
        {
            await _fhir.UpdateAsync(observation);
        }
    }

    public void Dispose() => _fhir.Dispose();
}
