using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Fhir;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Vitals;

/// <summary>
/// Vital signs of a record over time, with the form to add a sitting's measurements: the patient's
/// own record, or with <c>?patient={id}</c> a record shared with the signed-in person, who sees the
/// charts when the patient granted vitals and the form when the grant includes writing.
/// </summary>
public sealed partial class IndexModel(CurrentUser current, PortalJournals journals, IValidator<VitalsForm> validator, TimeProvider clock, ReaderTimeZone zone) : PageModel
{
    private const string NoWriteGrant = "The patient has not granted you the right to add vitals to this record.";

    [BindProperty]
    public VitalsForm Form { get; set; } = new();

    /// <summary>The id of the patient whose shared record is shown; none for the patient's own record.</summary>
    [BindProperty(SupportsGet = true, Name = "patient")]
    public string? PatientId { get; set; }

    /// <summary>The <c>period</c> query parameter: how far back the charts reach (<see cref="VitalsPeriod"/>); none for the default.</summary>
    [BindProperty(SupportsGet = true, Name = "period")]
    public string? PeriodCode { get; set; }

    public VitalsPeriod Period { get; private set; } = VitalsPeriod.Default;

    public VitalsSeries Series { get; private set; } = VitalsSeries.NotShared;

    public RecordVitals Record { get; private set; } = null!;

    /// <summary>How many measurements the last POST added (shown once after the redirect).</summary>
    public int? Added { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? added)
    {
        if (VitalsPeriod.FromCode(PeriodCode) is not { } period)
        {
            return BadRequest();
        }

        Period = period;
        using var record = await OpenAsync();
        if (record is null)
        {
            return NotFound();
        }

        Added = added is > 0 ? added : null;
        Form.MeasuredAt = zone.Now(clock);
        await ShowAsync(record);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (VitalsPeriod.FromCode(PeriodCode) is not { } period)
        {
            return BadRequest();
        }

        Period = period;
        using var record = await OpenAsync();
        if (record is null)
        {
            return NotFound();
        }

        if (!record.MayWrite)
        {
            return await RefuseAsync(record);
        }

        if (!(await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)))
        {
            await ShowAsync(record);
            return Page();
        }

        var observations = Form.Observations(new Hl7.Fhir.Model.ResourceReference(record.PatientFhirUser), zone);
        try
        {
            await record.WriteAsync(observations);
        }
        catch (WriteNotGrantedException)
        {
            return await RefuseAsync(record);
        }

        return RedirectToPage(new { patient = PatientId, period = PeriodCode, added = observations.Count });
    }

    private async Task<RecordVitals?> OpenAsync() =>
        PatientId is null || PatientIdRule().IsMatch(PatientId)
            ? await RecordVitals.OpenAsync(current.User, journals, PatientId, clock.GetUtcNow())
            : null;

    private async Task ShowAsync(RecordVitals record)
    {
        Record = record;
        Series = await record.ReadAsync(Period, clock.GetUtcNow());
    }

    private async Task<IActionResult> RefuseAsync(RecordVitals record)
    {
        ModelState.AddModelError("", NoWriteGrant);
        await ShowAsync(record);
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }

    /// <summary>A FHIR id (the random part of <c>Patient/{id}</c>).</summary>
    [GeneratedRegex("^[A-Za-z0-9.-]{1,64}$")]
    private static partial Regex PatientIdRule();
}
