using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Contracts;
using SeSPHR.Portal.Records;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Record;

/// <summary>The patient's own record: the personal section, and the newest entries of the other sections with their counts.</summary>
[Authorize(Roles = SrsRoles.Patient)]
public sealed class IndexModel(CurrentUser current, PortalJournals journals, ReaderTimeZone zone) : PageModel
{
    private const int Newest = 3;

    /// <summary>Null until the patient has written their record.</summary>
    public PersonalDetails? Personal { get; private set; }

    public IReadOnlyList<RecordTable> Medical { get; private set; } = [];

    public IReadOnlyList<RecordTable> Prescriptions { get; private set; } = [];

    public IReadOnlyList<RecordTable> Insurance { get; private set; } = [];

    public bool Saved { get; private set; }

    public async Task OnGetAsync(bool saved = false)
    {
        Saved = saved;
        using var own = await OwnRecord.OpenAsync(current.User, journals);
        Personal = await own.ReadPatientAsync() is { } patient ? PersonalDetails.Of(patient) : null;
        var tables = own.TablesIn(zone);
        Medical = [await tables.ConditionsAsync(Newest)];
        Prescriptions = [await tables.PrescriptionsAsync(Newest), await tables.MedicationStatementsAsync(Newest)];
        Insurance = [await tables.CoverageAsync(Newest), await tables.ClaimsAsync(Newest), await tables.ExplanationsOfBenefitAsync(Newest)];
    }
}
