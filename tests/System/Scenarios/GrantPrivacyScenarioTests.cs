using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// A grantee learns only its own grant (DESIGN.md §3, "The patient's grant statement"): a patient
/// grants a psychiatrist the medical and prescriptions sections and an insurer the insurance
/// section; nothing the insurer can fetch about its grant, from the FhirServer or the SRS, names
/// the psychiatrist, the psychiatrist's key fingerprint or the sections only the psychiatrist
/// holds, neither in clear nor inside any base64 value (the signed statement, the openings).
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class GrantPrivacyScenarioTests(SesphrSystem system)
{
    [Fact]
    public async System.Threading.Tasks.Task Given_a_psychiatrist_and_an_insurer_granted_When_the_insurer_fetches_everything_about_its_grant_Then_nothing_names_the_psychiatrist_or_its_sections()
    {
        using var patient = await system.NewPatientAsync("privacy-patient");
        using var psychiatrist = await system.NewMemberAsync("privacy-psychiatrist", SrsRoles.Practitioner);
        using var insurer = await system.NewMemberAsync("privacy-insurer", SrsRoles.Insurer);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var psychiatristGrant = await grants.GrantAsync(psychiatrist.FhirUser, psychiatrist.Keys.Fingerprint,
            [PhrSection.Medical, PhrSection.Prescriptions], writeSections: [PhrSection.Medical]);
        var insurerGrant = await grants.GrantAsync(insurer.FhirUser, insurer.Keys.Fingerprint, [PhrSection.Insurance]);

        var own = await insurer.Fhir.ReadAsync("Consent", insurerGrant.ConsentId);
        own.Status.ShouldBe(HttpStatusCode.OK, own.Body);
        var search = await insurer.Fhir.SearchAsync("Consent", "patient=" + Uri.EscapeDataString(patient.FhirUser));
        search.Status.ShouldBe(HttpStatusCode.OK, search.Body);
        var history = await insurer.Fhir.HistoryAsync("Consent", insurerGrant.ConsentId);
        var other = await insurer.Fhir.ReadAsync("Consent", psychiatristGrant.ConsentId);
        other.IsSuccess.ShouldBeFalse("the insurer may not read the psychiatrist's Consent");

        // The statement lists every section with its epoch and key, granted or not, so its section
        // table tells nothing; everything else must not name the psychiatrist's sections.
        var statementOfInsurer = ConsentDocument.ReadGrantStatement(own.As<Consent>()).ShouldNotBeNull()
            .Verify(patient.Keys.SigningPublicKey);
        statementOfInsurer.Sections.Select(s => s.Section).ShouldBe(PhrSectionCodes.All.Select(s => s.ToCode()).Order(StringComparer.Ordinal));

        var secrets = new Dictionary<string, byte[]>
        {
            ["user id"] = Encoding.UTF8.GetBytes(psychiatrist.RequireUserId),
            ["fhirUser"] = Encoding.UTF8.GetBytes(psychiatrist.FhirUser),
            ["fingerprint"] = psychiatrist.Keys.Fingerprint.ToBytes(),
            ["fingerprint hex"] = Encoding.UTF8.GetBytes(Convert.ToHexStringLower(psychiatrist.Keys.Fingerprint.ToBytes())),
        };
        var sectionCodes = new[] { PhrSection.Medical.ToCode(), PhrSection.Prescriptions.ToCode() };

        var fetched = new List<(string What, string Body)> { ("own Consent", own.Body), ("Consent search", search.Body), ("Consent history", history.Body), ("other Consent", other.Body) };
        try
        {
            var records = await insurer.Srs.GetGrantsAsync("Consent/" + insurerGrant.ConsentId, await insurer.GetSrsAccessTokenAsync());
            fetched.Add(("SRS grant records", System.Text.Json.JsonSerializer.Serialize(records)));
        }
        catch (SrsRequestException refused)
        {
            fetched.Add(("SRS grant records", refused.Message));
        }

        foreach (var (what, body) in fetched)
        {
            foreach (var (name, secret) in secrets)
            {
                Encoding.UTF8.GetBytes(body).AsSpan().IndexOf(secret).ShouldBe(-1, $"{what} names the psychiatrist's {name}");
            }

            foreach (var code in sectionCodes)
            {
                body.ShouldNotContain(code, Case.Sensitive, $"{what} names the {code} section");
            }

            foreach (var (path, decoded) in Base64Values(body))
            {
                foreach (var (name, secret) in secrets)
                {
                    decoded.AsSpan().IndexOf(secret).ShouldBe(-1, $"{what} carries the psychiatrist's {name} in base64 at {path}");
                }

                if (!path.Contains(ConsentDocument.GrantStatementUrl, StringComparison.Ordinal))
                {
                    foreach (var code in sectionCodes)
                    {
                        decoded.AsSpan().IndexOf(Encoding.UTF8.GetBytes(code)).ShouldBe(-1, $"{what} carries the {code} section in base64 at {path}");
                    }
                }
            }
        }
    }

    // Every string in a JSON body that decodes as base64 to at least a few bytes, with the url of
    // the extension it sits in, so a statement or an opening is searched in its decoded form.
    private static IEnumerable<(string Path, byte[] Decoded)> Base64Values(string body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            yield break;
        }

        var stack = new Stack<(JsonNode Node, string Path)>();
        if (root is not null)
        {
            stack.Push((root, ""));
        }

        while (stack.Count > 0)
        {
            var (node, path) = stack.Pop();
            switch (node)
            {
                case JsonObject obj:
                    var here = obj["url"] is JsonValue url && url.TryGetValue<string>(out var u) ? path + "/" + u : path;
                    foreach (var (_, child) in obj)
                    {
                        if (child is not null)
                        {
                            stack.Push((child, here));
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        if (child is not null)
                        {
                            stack.Push((child, path));
                        }
                    }

                    break;
                case JsonValue value when value.TryGetValue<string>(out var text) && text.Length >= 8:
                    var buffer = new byte[text.Length];
                    if (Convert.TryFromBase64String(text, buffer, out var written))
                    {
                        yield return (path, buffer[..written]);
                    }

                    break;
            }
        }
    }
}
