using System.Text.Json;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;

namespace SeSPHR.AccessData;

/// <summary>
/// The seeded patient and doctor signed in again from the work folder's <c>users.json</c>, with the
/// patient's grants opened from the seed's journal: what every measurement after the seed starts from.
/// </summary>
internal sealed class BenchSession : IDisposable
{
    /// <summary>How the seeder writes its files, and how the measurements write their rows.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private BenchSession(SystemEndpoints endpoints, PhrUser patient, PhrUser doctor, PatientGrants grants)
    {
        Endpoints = endpoints;
        Patient = patient;
        Doctor = doctor;
        Grants = grants;
    }

    public SystemEndpoints Endpoints { get; }

    public PhrUser Patient { get; }

    public PhrUser Doctor { get; }

    public PatientGrants Grants { get; }

    public static async Task<BenchSession> OpenAsync(string folder)
    {
        var known = JsonSerializer.Deserialize<BenchUsers>(await File.ReadAllTextAsync(Path.Combine(folder, "users.json")), Json)
            ?? throw new InvalidOperationException("users.json is empty");
        var at = new SystemEndpoints(new Uri(known.Srs), new Uri(known.Fhir));
        var patient = await SignInAsync(at, known.Users.Single(u => u.Name == "patient"));
        var doctor = await SignInAsync(at, known.Users.Single(u => u.Name == "doctor"));
        return new BenchSession(at, patient, doctor, PatientGrants.Open(patient, Path.Combine(folder, "journal")));
    }

    public void Dispose()
    {
        Patient.Dispose();
        Doctor.Dispose();
    }

    private static Task<PhrUser> SignInAsync(SystemEndpoints at, BenchUser user) =>
        PhrUser.SignInAsync(at, user.Username, user.Password, user.Role, user.FhirUser);
}
