using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>
/// Tries one access path to one planted resource as one caller and says what the caller got, in the
/// cell codes of <see cref="AuthorisationMatrix"/>. Anything a caller must never get (a planted value
/// in clear, an envelope without cfrags, cfrags that do not open) comes back as a code no cell expects.
/// </summary>
public sealed class AccessProbe(PlantedRecord planted, PhrUser? caller, GranteeReader? reader)
{
    private static readonly FhirJsonSerializer Serializer = new();

    private PatientRecord Record => planted.Record;

    private bool IsOwner => caller is not null && caller.FhirUser == Record.Patient.FhirUser;

    /// <summary>A client that sends no token at all.</summary>
    public static FhirRestClient Anonymous(SystemEndpoints endpoints) => new(endpoints.Fhir, () => null);

    public async Task<string> ObserveAsync(FhirRestClient fhir, PhrSection section, string path)
    {
        var resource = planted.Resources[section];
        var type = resource.TypeName;
        var id = resource.Id!;
        if (path == "write")
        {
            return await WriteAsync(fhir, section);
        }

        var response = await ReadAsync(fhir, section, path, type, id);
        if (response.Status == HttpStatusCode.Unauthorized)
        {
            return "401";
        }

        // A server error is never "withheld": a 503 from an unreachable SRS or audit must not pass
        // for a cell whose resource the table says is not served.
        if ((int)response.Status >= 500)
        {
            return ((int)response.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var served = ServedResource.Find(response, type, id);
        if (served is null)
        {
            return response.Body.Contains(planted.Planted[section], StringComparison.Ordinal) ? "LEAK(withheld but planted value in body)" : "-";
        }

        if (!ServedResource.HasEnvelope(served))
        {
            return Contains(served, planted.Planted[section]) ? "LEAK(planted value in clear)" : "M";
        }

        if (IsOwner)
        {
            return Contains(Record.OpenOwn(served), planted.Planted[section]) ? "D" : "E(owner could not open)";
        }

        if (!ServedResource.HasCfrag(served))
        {
            return "E(envelope without cfrags)";
        }

        try
        {
            var opened = reader!.Open(Record.Patient.FhirUser, served);
            return Contains(opened.Resource, planted.Planted[section]) ? "D" : "E(opened without the planted value)";
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or UnknownSectionKeyException)
        {
            return $"E({ex.GetType().Name})";
        }
    }

    private Task<FhirResponse> ReadAsync(FhirRestClient fhir, PhrSection section, string path, string type, string id)
    {
        var patientRef = Uri.EscapeDataString(Record.Patient.FhirUser);
        var patientId = Record.PatientId;
        var patientParam = PatientParameter(type);
        var pulse = planted.Resources[PhrSection.Vitals];
        return path switch
        {
            "read" => fhir.ReadAsync(type, id),
            "vread" => fhir.VReadAsync(type, id, "1"),
            "search" => section == PhrSection.Personal
                ? fhir.SearchAsync("Patient", "_id=" + patientId)
                : fhir.SearchAsync(type, $"{patientParam}={patientRef}"),
            "include" => section == PhrSection.Personal
                ? fhir.SearchAsync("Observation", $"_id={pulse.Id}&_include=Observation:subject")
                : fhir.SearchAsync(type, $"_id={id}&_include={type}:{patientParam}"),
            "revinclude" => section == PhrSection.Personal
                ? fhir.SearchAsync("Patient", $"_id={patientId}&_revinclude=Observation:subject")
                : fhir.SearchAsync("Patient", $"_id={patientId}&_revinclude={type}:{patientParam}"),
            "history" => fhir.HistoryAsync(type, id),
            "everything" => fhir.EverythingAsync(patientId),
            "transaction" => fhir.TransactionAsync(new Bundle
            {
                Type = Bundle.BundleType.Transaction,
                Entry = [new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"{type}/{id}" } }],
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(path), path, "not a path of the matrix"),
        };
    }

    /// <summary>
    /// A new resource of the section (for personal: the Patient itself, written last), sealed to the
    /// patient's current public section key (public material) and signed by the caller.
    /// </summary>
    private async Task<string> WriteAsync(FhirRestClient fhir, PhrSection section)
    {
        var resource = (Resource)planted.Resources[section].DeepCopy();
        if (section != PhrSection.Personal)
        {
            resource.Id = "written-" + Guid.NewGuid().ToString("N")[..12];
        }

        var signer = caller?.Keys.Signer ?? new Crypto.Umbral.Signer(Crypto.Umbral.SecretKey.Random());
        var sealedResource = SectionSealer.Seal(resource, Record.KeyFor, signer, caller?.Keys.DecryptionPublicKey);
        var response = await fhir.PutAsync(sealedResource);
        return response.Status switch
        {
            HttpStatusCode.OK or HttpStatusCode.Created => "W",
            HttpStatusCode.Unauthorized => "401",
            HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity => "X",
            var other => $"?({(int)other})",
        };
    }

    private static string PatientParameter(string type) => type switch
    {
        "Coverage" => "beneficiary",
        "Patient" => "_id",
        _ => "subject",
    };

    private static bool Contains(Resource resource, string value) =>
        Serializer.SerializeToString(resource).Contains(value, StringComparison.Ordinal);
}
