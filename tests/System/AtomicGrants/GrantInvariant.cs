using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;

namespace SeSPHR.SystemTests.AtomicGrants;

/// <summary>
/// The atomicity invariant of grants, checked against what the two servers hold: the patient's
/// Consents as the FhirServer serves them to the patient, and the kfrag rows in the SRS database.
/// At any moment, even right after the client died mid-operation: no usable (active) kfrag without
/// an active Consent, and no active Consent without a usable kfrag for each of its sections. Once the
/// client has repaired: no pending kfrag either, and every active Consent has usable kfrags for every
/// epoch of its sections up to the current one.
/// </summary>
public static class GrantInvariant
{
    public static async Task<IReadOnlyList<string>> ViolationsAsync(SesphrSystem system, PhrUser patient, GrantBook? repairedBook = null)
    {
        var search = await patient.Fhir.SearchAsync("Consent", $"patient={Uri.EscapeDataString(patient.FhirUser)}&_count=100");
        search.IsSuccess.ShouldBeTrue($"the patient searching their Consents: {GranteeReads.Snippet(search)}");
        var consents = search.Entries().OfType<Consent>().Where(c => c.Id is not null).ToDictionary(c => c.Id!, StringComparer.Ordinal);
        var rows = await SrsKfragRows.OfPatientAsync(system, patient.FhirUser);
        var violations = new List<string>();

        foreach (var row in rows.Where(r => r.IsActive))
        {
            var status = consents.TryGetValue(row.BareConsentId, out var consent) ? consent.Status?.ToString() ?? "without status" : "absent";
            if (consent?.Status != Consent.ConsentState.Active)
            {
                violations.Add($"active kfrag #{row.Id} ({row.Section}/{row.Epoch}) of Consent/{row.BareConsentId}, which is {status}");
            }
        }

        foreach (var consent in consents.Values.Where(c => c.Status == Consent.ConsentState.Active))
        {
            var sections = consent.Provision?.SecurityLabel.Select(label => label.Code).ToList() ?? [];
            foreach (var section in sections)
            {
                var usable = rows.Where(r => r.IsActive && r.BareConsentId == consent.Id && r.Section == section).Select(r => r.Epoch).ToHashSet();
                if (usable.Count == 0)
                {
                    violations.Add($"active Consent/{consent.Id} has no active kfrag for {section}");
                }
                else if (repairedBook is not null && PhrSectionCodes.TryParse(section, out var parsed))
                {
                    var missing = KeyFragmentIssuer.AllEpochs(repairedBook.EpochOf(parsed)).Where(epoch => !usable.Contains(epoch)).ToList();
                    if (missing.Count > 0)
                    {
                        violations.Add($"active Consent/{consent.Id} has no active kfrag for {section} epoch(s) {string.Join(',', missing)}");
                    }
                }
            }
        }

        if (repairedBook is not null)
        {
            violations.AddRange(rows.Where(r => !r.IsActive).Select(r => $"pending kfrag #{r.Id} ({r.Section}/{r.Epoch}) of Consent/{r.BareConsentId} left after repair"));
        }

        return violations;
    }
}
