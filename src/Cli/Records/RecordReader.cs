using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Records;

/// <summary>
/// Reads a patient's whole record (<c>Patient/{id}/$everything</c>, page by page) as the signed-in
/// caller and opens what they may: the patient every section with their own keys; a grantee the
/// sections that came with cfrags, after checking the patient's signed grant statement, the cfrags
/// and every writer's signature. A resource that does not verify stops the read (exit code 9)
/// rather than being shown.
/// </summary>
internal sealed class RecordReader(Session session)
{
    /// <summary>The patient's own pages need no SRS call; a grantee's page waits for one re-encryption call per page, which the FhirServer cuts off after a few seconds.</summary>
    private const int OwnPageSize = 500;
    private const int GranteePageSize = 50;
    private const int Attempts = 3;

    public async Task<IReadOnlyList<ShownResource>> ReadAsync(string patientFhirUser, CancellationToken cancellation)
    {
        if (!patientFhirUser.StartsWith("Patient/", StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Usage, $"'{patientFhirUser}' is not a patient reference (Patient/<id>).");
        }

        var size = patientFhirUser == session.Account.FhirUser ? OwnPageSize : GranteePageSize;
        var resources = await FetchAllAsync($"{patientFhirUser}/$everything?_count={size}", cancellation);
        var open = await OpenerForAsync(patientFhirUser);
        return [.. resources.Select(open)];
    }

    private async Task<List<Resource>> FetchAllAsync(string first, CancellationToken cancellation)
    {
        var resources = new List<Resource>();
        for (string? next = first; next is not null;)
        {
            cancellation.ThrowIfCancellationRequested();
            var page = await ReadPageAsync(next, cancellation);
            if (page.Status == System.Net.HttpStatusCode.NotFound && resources.Count == 0)
            {
                throw new CliException(ExitCodes.NotFound, PatientOf(first) == session.Account.FhirUser
                    ? "Your record has no Patient resource yet: `sesphr import` a bundle with one, or register with `sesphr register`, which starts it."
                    : $"No record of {PatientOf(first)} is visible to you.");
            }

            var bundle = page.As<Bundle>();
            resources.AddRange(bundle.Entry.Select(e => e.Resource).OfType<Resource>().Where(r => r is not OperationOutcome));
            next = bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
        }

        return resources;
    }

    private static string PatientOf(string everythingUrl) => everythingUrl[..everythingUrl.IndexOf("/$everything", StringComparison.Ordinal)];

    /// <summary>A page, asked again after a pause when the server is busy (503: the SRS did not answer in time).</summary>
    private async Task<Client.Fhir.FhirResponse> ReadPageAsync(string url, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            await session.User.RenewIfExpiringAsync();
            var page = await session.User.Fhir.SendAsync(HttpMethod.Get, url);
            if (page.Status != System.Net.HttpStatusCode.ServiceUnavailable || attempt == Attempts)
            {
                if (page.Status != System.Net.HttpStatusCode.NotFound)
                {
                    FhirFailures.ThrowUnlessSuccess(page, "reading the record");
                }

                return page;
            }

            await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(attempt * 2), cancellation);
        }
    }

    private async Task<Func<Resource, ShownResource>> OpenerForAsync(string patientFhirUser)
    {
        if (patientFhirUser == session.Account.FhirUser)
        {
            var own = new PatientRecord(session.User, new GrantBook { PatientUserId = session.User.RequireUserId, PatientFhirUser = patientFhirUser });
            return resource => Shown(resource, r => new OpenedResource(own.OpenOwnWithGranteeWrites(r), Sections(r), []));
        }

        var reader = new GranteeReader(session.User);
        await reader.LearnAsync(patientFhirUser);
        return resource => Shown(resource, r => reader.Open(patientFhirUser, r));
    }

    private static ShownResource Shown(Resource resource, Func<Resource, OpenedResource> open)
    {
        if (resource is not DomainResource domain || EncryptedSectionExtension.ReadAll(domain).Count == 0)
        {
            // A section the server withheld whole (no envelope left) is named, not just flagged.
            var withheld = SealedSectionMarks.WithheldSection(resource);
            return new ShownResource(resource, [], withheld is { } section ? [section] : [], HasRestrictedLabel(resource));
        }

        var opened = open(resource);
        return new ShownResource(opened.Resource, opened.Opened, opened.StillSealed, opened.StillSealed.Count == 0 && HasRestrictedLabel(opened.Resource));
    }

    private static IReadOnlyList<PhrSection> Sections(Resource resource) =>
        [.. EncryptedSectionExtension.ReadAll((DomainResource)resource).Select(s => s.Section).Distinct()];

    /// <summary>The label sealing adds and a full opening removes: still there means a protected part was not opened.</summary>
    private static bool HasRestrictedLabel(Resource resource) =>
        resource.Meta?.Security.Any(label => label.IsExactly(ConfidentialityLabel.RestrictedLabel())) == true;
}
