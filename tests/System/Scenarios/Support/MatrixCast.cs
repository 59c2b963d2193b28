using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>
/// The people of the authorisation matrix and the grants behind its table (<see cref="AuthorisationMatrix"/>):
/// a patient with a planted value in every section; family reads personal and vitals, the doctor
/// medical, vitals and prescriptions, the insurer insurance, the pharmacist prescriptions; the other
/// patient and the researcher hold nothing. Both runs of the matrix (with and without the
/// FhirServer's Consent check) stand on it, so they judge the same grants.
/// </summary>
internal sealed class MatrixCast : IDisposable
{
    private MatrixCast(PhrUser patient, PlantedRecord planted, IReadOnlyDictionary<string, PhrUser> callers)
    {
        Patient = patient;
        Planted = planted;
        Callers = callers;
    }

    public PhrUser Patient { get; }

    public PlantedRecord Planted { get; }

    /// <summary>By the caller names of the table; anonymous has no entry.</summary>
    public IReadOnlyDictionary<string, PhrUser> Callers { get; }

    public static async Task<MatrixCast> AssembleAsync(SesphrSystem system)
    {
        var patient = await system.NewPatientAsync("owner");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var planted = await PlantedRecord.WriteAsync(new PatientRecord(patient, grants.Book));
        var callers = new Dictionary<string, PhrUser>
        {
            ["patient"] = patient,
            ["other-patient"] = await system.NewPatientAsync("other"),
            ["family"] = await system.NewMemberAsync("family", SrsRoles.RelatedPerson),
            ["doctor"] = await system.NewMemberAsync("doctor", SrsRoles.Practitioner),
            ["insurer"] = await system.NewMemberAsync("insurer", SrsRoles.Insurer),
            ["pharmacist"] = await system.NewMemberAsync("pharmacist", SrsRoles.Pharmacist),
            ["researcher"] = await system.NewMemberAsync("researcher", SrsRoles.Researcher),
        };
        var cast = new MatrixCast(patient, planted, callers);
        try
        {
            await Grant(grants, callers["family"], PhrSection.Personal, PhrSection.Vitals);
            await Grant(grants, callers["doctor"], PhrSection.Medical, PhrSection.Vitals, PhrSection.Prescriptions);
            await Grant(grants, callers["insurer"], PhrSection.Insurance);
            await Grant(grants, callers["pharmacist"], PhrSection.Prescriptions);
            return cast;
        }
        catch
        {
            cast.Dispose();
            throw;
        }
    }

    /// <summary>A grantee's reader that has learnt the patient's grant statement; null for the patient and anonymous.</summary>
    public async Task<GranteeReader?> ReaderForAsync(string callerName)
    {
        if (Callers.GetValueOrDefault(callerName) is not { } caller || caller == Patient)
        {
            return null;
        }

        var reader = new GranteeReader(caller);
        await reader.LearnAsync(Patient.FhirUser);
        return reader;
    }

    public void Dispose()
    {
        foreach (var user in Callers.Values)
        {
            user.Dispose();
        }
    }

    private static Task<GranteeRecord> Grant(PatientGrants grants, PhrUser grantee, params PhrSection[] sections) =>
        grants.GrantAsync(grantee.FhirUser, grantee.Keys.Fingerprint, sections);
}
