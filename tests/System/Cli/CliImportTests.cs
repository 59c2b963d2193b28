using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Client.Accounts;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Cli;

/// <summary>
/// The <c>sesphr</c> CLI as a person uses it, against the real SRS and FhirServer: every Synthea
/// bundle imported sealed into a patient's record (one import interrupted by SIGINT part-way and
/// run again), then read back with <c>show --json</c> as the patient, equal to the source for every
/// resource, and as a doctor granted two sections, who sees exactly those opened.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class CliImportTests(SesphrSystem system, ITestOutputHelper output)
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private static readonly HashSet<string> DirectoryTypes = ["Practitioner", "PractitionerRole", "Organization", "Location"];

    public static TheoryData<string> Bundles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(BundleFolder, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string BundleFolder => Path.Combine(Repository.Root, "..", "shared", "data", "synthea", "bundles");

    [Theory]
    [MemberData(nameof(Bundles))]
    public async Task Given_a_synthea_bundle_When_imported_with_the_cli_Then_show_as_the_patient_equals_the_source_for_every_resource(string file)
    {
        var (patient, password, home) = await NewSignedInPatientAsync("importer");
        using var _ = patient;
        var path = Path.Combine(BundleFolder, file);

        var import = await CliProcess.RunAsync(home, ["import", path, "--password-stdin", "--json"], password);

        import.ExitCode.ShouldBe(0, import.ToString());
        JsonDocument.Parse(import.Stdout).RootElement.GetProperty("written").GetInt32().ShouldBe(Expected(path, patient.FhirUser).Count);
        await ShowEqualsSourceAsync(home, password, path, patient.FhirUser);
    }

    [Fact]
    public async Task Given_an_ndjson_file_When_imported_with_the_cli_Then_show_as_the_patient_equals_the_source_for_every_resource()
    {
        var (patient, password, home) = await NewSignedInPatientAsync("ndjson");
        using var _ = patient;
        var bundle = Directory.EnumerateFiles(BundleFolder, "*.json").MinBy(f => new FileInfo(f).Length)!;
        var ndjson = Path.Combine(system.WorkFolder, "cli", Path.GetFileNameWithoutExtension(bundle) + ".ndjson");
        File.WriteAllLines(ndjson, AsNdjson(bundle));

        var import = await CliProcess.RunAsync(home, ["import", ndjson, "--password-stdin", "--json"], password);

        import.ExitCode.ShouldBe(0, import.ToString());
        var show = await CliProcess.RunAsync(home, ["show", "--password-stdin", "--json"], password);
        show.ExitCode.ShouldBe(0, show.ToString());
        var shown = Entries(show.Stdout);
        foreach (var source in Expected(bundle, patient.FhirUser, ndjsonKeys: true))
        {
            shown.TryGetValue($"{source.TypeName}/{source.Id}", out var entry).ShouldBeTrue($"{source.TypeName}/{source.Id} is not shown");
            Same(entry!.Resource!, source).ShouldBeTrue($"{source.TypeName}/{source.Id} differs from its source");
        }
    }

    [Fact]
    public async Task Given_an_import_When_interrupted_by_sigint_part_way_and_run_again_Then_every_resource_is_there_once_and_equal_to_its_source()
    {
        var (patient, password, home) = await NewSignedInPatientAsync("interrupted");
        using var _ = patient;
        var path = Directory.EnumerateFiles(BundleFolder, "*.json").MaxBy(f => new FileInfo(f).Length)!;
        var expected = Expected(path, patient.FhirUser);

        using (var first = CliProcess.Start(home, ["import", path, "--chunk", "10", "--password-stdin", "--json"], password))
        {
            await WaitForFirstChunkAsync(home);
            first.Interrupt();
            var interrupted = await first.WaitAsync();
            interrupted.ExitCode.ShouldBe(130, interrupted.ToString());
            interrupted.Stderr.ShouldContain("interrupted");
        }

        var second = await CliProcess.RunAsync(home, ["import", path, "--chunk", "10", "--password-stdin", "--json"], password);

        second.ExitCode.ShouldBe(0, second.ToString());
        var counts = JsonDocument.Parse(second.Stdout).RootElement;
        var (written, before) = (counts.GetProperty("written").GetInt32(), counts.GetProperty("alreadyDone").GetInt32());
        output.WriteLine($"{before} resources from the interrupted run, {written} from the second");
        before.ShouldBeGreaterThan(0, "the interrupted run finished no chunk");
        (written + before).ShouldBe(expected.Count, "a gap or a repeat between the two runs");
        await ShowEqualsSourceAsync(home, password, path, patient.FhirUser);
    }

    [Fact]
    public async Task Given_an_imported_record_When_a_doctor_granted_vitals_and_medical_shows_it_Then_exactly_those_sections_are_opened()
    {
        var (patient, password, home) = await NewSignedInPatientAsync("granter");
        using var _ = patient;
        var path = Directory.EnumerateFiles(BundleFolder, "*.json").Order(StringComparer.Ordinal).First();
        (await CliProcess.RunAsync(home, ["import", path, "--password-stdin"], password)).ExitCode.ShouldBe(0);
        var (doctorFhirUser, doctorPassword, doctorHome, fingerprint) = await NewSignedInDoctorAsync();

        var grant = await CliProcess.RunAsync(home, ["grant", doctorFhirUser, "--sections", "vitals,medical", "--fingerprint", fingerprint, "--password-stdin", "--json"], password);
        grant.ExitCode.ShouldBe(0, grant.ToString());
        JsonDocument.Parse(grant.Stdout).RootElement.GetProperty("consentId").GetString().ShouldNotBeNullOrEmpty();
        var show = await CliProcess.RunAsync(doctorHome, ["show", "--patient", patient.FhirUser, "--password-stdin", "--json"], doctorPassword);

        show.ExitCode.ShouldBe(0, show.ToString());
        var granted = new[] { PhrSection.Vitals, PhrSection.Medical };
        var shown = Entries(show.Stdout);
        foreach (var source in Expected(path, patient.FhirUser).Where(r => r is not Patient))
        {
            var section = SectionPolicy.SectionOf(source);
            shown.TryGetValue($"{source.TypeName}/{source.Id}", out var entry);
            if (section is { } s && granted.Contains(s))
            {
                entry.ShouldNotBeNull($"{source.TypeName}/{source.Id} ({s.ToCode()}) is missing for the granted doctor");
                Opened(entry).ShouldBe([s.ToCode()]);
                Same(entry.Resource!, source).ShouldBeTrue($"{source.TypeName}/{source.Id} differs from its source");
            }
            else if (entry is not null)
            {
                Opened(entry).ShouldBeEmpty($"{source.TypeName}/{source.Id} ({section?.ToCode()}) was opened without a grant");
            }
        }

        shown.Values.SelectMany(Opened).Distinct().Order().ShouldBe(["medical", "vitals"]);
        // The Patient itself is served without its personal section: named as sealed, not left blank.
        StillSealed(shown[patient.FhirUser]).ShouldBe(["personal"]);
    }

    [Fact]
    public async Task Given_a_patient_When_granting_a_role_reading_and_writing_or_writing_alone_Then_the_first_is_granted_with_both_and_the_second_refused()
    {
        var (patient, password, home) = await NewSignedInPatientAsync("role-granter");
        using var _ = patient;

        var both = await CliProcess.RunAsync(home, ["grant", "--role", "practitioner", "--sections", "vitals", "--access", "read-write", "--password-stdin", "--json"], password);
        var writeAlone = await CliProcess.RunAsync(home, ["grant", "--role", "pharmacist", "--sections", "prescriptions", "--access", "write", "--password-stdin"], password);

        both.ExitCode.ShouldBe(0, both.ToString());
        var granted = JsonDocument.Parse(both.Stdout).RootElement;
        granted.GetProperty("read").EnumerateArray().Select(e => e.GetString()).ShouldBe(["vitals"]);
        granted.GetProperty("write").EnumerateArray().Select(e => e.GetString()).ShouldBe(["vitals"]);
        writeAlone.ExitCode.ShouldBe(2, writeAlone.ToString());
        writeAlone.Stderr.ShouldContain("writing alone");
    }

    [Fact]
    public async Task Given_the_cli_When_the_password_is_wrong_the_user_unknown_the_server_down_or_nobody_signed_in_Then_each_has_its_exit_code_and_message()
    {
        var (patient, password, home) = await NewSignedInPatientAsync("failing");
        using var _ = patient;
        var fresh = Path.Combine(system.WorkFolder, "cli", "nobody-" + Guid.NewGuid().ToString("N")[..8]);

        var wrong = await CliProcess.RunAsync(fresh, ["login", patient.Username, "--password-stdin", .. CliProcess.ServerArguments(system)], password + "x");
        var unknown = await CliProcess.RunAsync(fresh, ["login", "nobody-" + Guid.NewGuid().ToString("N")[..8], "--password-stdin", .. CliProcess.ServerArguments(system)], password);
        var down = await CliProcess.RunAsync(fresh, ["login", patient.Username, "--password-stdin", "--srs", "http://127.0.0.1:9/", "--fhir", "http://127.0.0.1:9/fhir"], password);
        var notSignedIn = await CliProcess.RunAsync(fresh, ["show", "--password-stdin"], password);
        var usage = await CliProcess.RunAsync(home, ["grant", "--sections", "nonsense"]);
        var outOfRange = await CliProcess.RunAsync(home, ["vitals", "add", "pulse", "900", "--password-stdin"], password);

        wrong.ExitCode.ShouldBe(3, wrong.ToString());
        wrong.Stderr.ShouldContain("unknown username or wrong password");
        unknown.ExitCode.ShouldBe(3, unknown.ToString());
        unknown.Stderr.ShouldContain("unknown username or wrong password");
        down.ExitCode.ShouldBe(5, down.ToString());
        down.Stderr.ShouldContain("could not be reached");
        notSignedIn.ExitCode.ShouldBe(4, notSignedIn.ToString());
        notSignedIn.Stderr.ShouldContain("sesphr login");
        usage.ExitCode.ShouldBe(2, usage.ToString());
        outOfRange.ExitCode.ShouldBe(8, outOfRange.ToString());
        outOfRange.Stderr.ShouldContain("outside");
        new[] { wrong, unknown, down, notSignedIn, usage, outOfRange }.ShouldAllBe(r => r.Stdout.Length == 0 && !r.Stderr.Contains("   at "));
        wrong.Stderr.ShouldNotContain(password);
    }

    [Fact]
    public async Task Given_a_patient_registered_with_the_cli_When_commands_run_with_json_Then_stdout_parses_and_the_profile_is_private()
    {
        var password = PhrUser.NewPassword();
        var username = "cli-patient-" + Guid.NewGuid().ToString("N")[..8];
        var home = Path.Combine(system.WorkFolder, "cli", username);
        var registered = await CliProcess.RunAsync(home, ["register", username, "--password-stdin", "--json", .. CliProcess.ServerArguments(system)], password);
        registered.ExitCode.ShouldBe(0, registered.ToString());

        var vitals = await CliProcess.RunAsync(home, ["vitals", "add", "blood-pressure", "120/80", "--password-stdin", "--json"], password);
        var results = new[]
        {
            registered,
            await CliProcess.RunAsync(home, ["whoami", "--json"]),
            vitals,
            await CliProcess.RunAsync(home, ["show", "--password-stdin", "--json"], password),
            await CliProcess.RunAsync(home, ["grants", "--password-stdin", "--json"], password),
            await CliProcess.RunAsync(home, ["access-log", "--password-stdin", "--json"], password),
        };

        foreach (var result in results)
        {
            result.ExitCode.ShouldBe(0, result.ToString());
            Should.NotThrow(() => JsonDocument.Parse(result.Stdout), result.ToString());
        }

        var shown = Entries(results[3].Stdout);
        var observation = (Observation)Parser.DeserializeResource(vitals.Stdout);
        Same(shown[$"Observation/{observation.Id}"].Resource!, observation).ShouldBeTrue();
        if (OperatingSystem.IsLinux())
        {
            File.GetUnixFileMode(home).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var file in Directory.EnumerateFiles(home, "*", SearchOption.AllDirectories))
            {
                File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
            }
        }

        File.ReadAllText(Path.Combine(home, "account.json")).ShouldNotContain(password);
        var backupFile = Path.Combine(system.WorkFolder, "cli", username + ".key");
        var backup = await CliProcess.RunAsync(home, ["keys", "backup", "--out", backupFile, "--password-stdin", "--json"], password);
        var restore = await CliProcess.RunAsync(home, ["keys", "restore", "--from", backupFile, "--password-stdin", "--json"], password);
        var wrongRestore = await CliProcess.RunAsync(home, ["keys", "restore", "--from", backupFile, "--password-stdin"], password + "x");
        backup.ExitCode.ShouldBe(0, backup.ToString());
        restore.ExitCode.ShouldBe(0, restore.ToString());
        JsonDocument.Parse(restore.Stdout).RootElement.GetProperty("fingerprint").GetString()
            .ShouldBe(JsonDocument.Parse(registered.Stdout).RootElement.GetProperty("fingerprint").GetString());
        wrongRestore.ExitCode.ShouldBe(3, wrongRestore.ToString());
    }

    private async Task<(PhrUser Patient, string Password, string Home)> NewSignedInPatientAsync(string name)
    {
        var password = PhrUser.NewPassword();
        var patient = await system.NewPatientAsync(name, password);
        return (patient, password, await CliProcess.LoginAsync(system, patient, password));
    }

    /// <summary>A practitioner who registers with the CLI, is approved by the admin and signs in.</summary>
    private async Task<(string FhirUser, string Password, string Home, string Fingerprint)> NewSignedInDoctorAsync()
    {
        var password = PhrUser.NewPassword();
        var username = "cli-doctor-" + Guid.NewGuid().ToString("N")[..8];
        var home = Path.Combine(system.WorkFolder, "cli", username);
        var registered = await CliProcess.RunAsync(home, ["register", username, "--role", "practitioner", "--password-stdin", "--json", .. CliProcess.ServerArguments(system)], password);
        registered.ExitCode.ShouldBe(0, registered.ToString());
        var account = JsonDocument.Parse(registered.Stdout).RootElement;
        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.ApproveAsync(account.GetProperty("userId").GetString()!, await system.Admin.GetSrsAccessTokenAsync());
        var login = await CliProcess.RunAsync(home, ["login", username, "--password-stdin", .. CliProcess.ServerArguments(system)], password);
        login.ExitCode.ShouldBe(0, login.ToString());
        return (account.GetProperty("fhirUser").GetString()!, password, home, account.GetProperty("fingerprint").GetString()!);
    }

    private static async Task WaitForFirstChunkAsync(string home)
    {
        var imports = Path.Combine(home, "imports");
        for (var i = 0; i < 600; i++)
        {
            if (Directory.Exists(imports) && Directory.EnumerateFiles(imports, "*.json").Any())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new ShouldAssertException("the import wrote no progress within a minute");
    }

    /// <summary>
    /// The source as the CLI documents its import (src/Cli/README.md): directory entries left out,
    /// the Patient as the signed-in patient's own, every other id derived from the patient and the
    /// entry's full URL, references between entries rewritten.
    /// </summary>
    private static List<Resource> Expected(string path, string patientFhirUser, bool ndjsonKeys = false)
    {
        var bundle = Parser.Deserialize<Bundle>(File.ReadAllText(path));
        if (ndjsonKeys)
        {
            bundle = Parser.Deserialize<Bundle>(new FhirJsonSerializer().SerializeToString(new Bundle
            {
                Entry = [.. AsNdjson(path).Select(line => Parser.DeserializeResource(line)).Select(r => new Bundle.EntryComponent { FullUrl = $"{r.TypeName}/{r.Id}", Resource = r })],
            }));
        }

        var targets = bundle.Entry.ToDictionary(
            e => e.FullUrl!,
            e => $"{e.Resource!.TypeName}/" + (e.Resource is Patient ? patientFhirUser["Patient/".Length..] : IdFor(patientFhirUser, e.FullUrl!)));
        var resources = new List<Resource>();
        foreach (var entry in bundle.Entry.Where(e => !DirectoryTypes.Contains(e.Resource!.TypeName)))
        {
            var resource = entry.Resource!;
            resource.Id = targets[entry.FullUrl!].Split('/')[1];
            foreach (var reference in resource.Select("descendants()").OfType<ResourceReference>())
            {
                if (reference.Reference is { } target && targets.TryGetValue(target, out var local))
                {
                    reference.Reference = local;
                }
            }

            resources.Add(resource);
        }

        return resources;
    }

    /// <summary>A Synthea bundle as NDJSON, as a bulk export writes it: each resource with its id, references as <c>Type/id</c>.</summary>
    private static IEnumerable<string> AsNdjson(string bundlePath)
    {
        var bundle = Parser.Deserialize<Bundle>(File.ReadAllText(bundlePath));
        var ids = bundle.Entry.ToDictionary(e => e.FullUrl!, e => $"{e.Resource!.TypeName}/{e.FullUrl!["urn:uuid:".Length..]}");
        foreach (var entry in bundle.Entry)
        {
            entry.Resource!.Id = entry.FullUrl!["urn:uuid:".Length..];
            foreach (var reference in entry.Resource.Select("descendants()").OfType<ResourceReference>())
            {
                if (reference.Reference is { } target && ids.TryGetValue(target, out var local))
                {
                    reference.Reference = local;
                }
            }

            yield return new FhirJsonSerializer().SerializeToString(entry.Resource);
        }
    }

    private static string IdFor(string patientFhirUser, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"sesphr-import\n{patientFhirUser}\n{key}")), 0, 16);

    private async Task ShowEqualsSourceAsync(string home, string password, string path, string patientFhirUser)
    {
        var show = await CliProcess.RunAsync(home, ["show", "--password-stdin", "--json"], password);
        show.ExitCode.ShouldBe(0, show.ToString());
        var shown = Entries(show.Stdout);
        foreach (var source in Expected(path, patientFhirUser))
        {
            shown.TryGetValue($"{source.TypeName}/{source.Id}", out var entry).ShouldBeTrue($"{source.TypeName}/{source.Id} is not shown");
            Same(entry!.Resource!, source).ShouldBeTrue($"{source.TypeName}/{source.Id} differs from its source");
        }
    }

    private static Dictionary<string, Bundle.EntryComponent> Entries(string json) =>
        Parser.Deserialize<Bundle>(json).Entry.ToDictionary(e => $"{e.Resource!.TypeName}/{e.Resource.Id}");

    private static IEnumerable<string> Opened(Bundle.EntryComponent entry) =>
        entry.Extension.Where(e => e.Url == "http://sesphr.org/fhir/StructureDefinition/opened-section").Select(e => ((Code)e.Value!).Value!);

    private static IEnumerable<string> StillSealed(Bundle.EntryComponent entry) =>
        entry.Extension.Where(e => e.Url == "http://sesphr.org/fhir/StructureDefinition/sealed-section").Select(e => ((Code)e.Value!).Value!);

    private static bool Same(Resource shown, Resource source)
    {
        var copy = (Resource)shown.DeepCopy();
        if (copy.Meta is { } meta)
        {
            meta.VersionId = null;
            meta.LastUpdated = null;
            if (!meta.EnumerateElements().Any())
            {
                copy.Meta = null;
            }
        }

        return copy.IsExactly(source);
    }
}
