using System.Text;
using Hl7.Fhir.Model;
using Npgsql;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using SeSPHR.Testing;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>
/// The insider: an operator of both servers with their databases and logs, but no user's password
/// or device. After a full scenario (registration, a record with a planted value in every section,
/// grants, reads, a revocation) the dumps and logs hold no planted value in any encoding and no
/// user's secret key; and the two databases together decrypt nothing: every kfrag applied to every
/// envelope yields cfrags that open only with a grantee's secret key, which is nowhere in them
/// (the backups do not open without the password, the login verifiers are Argon2id hashes).
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class InsiderThreatTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_full_scenario_When_an_insider_reads_both_dumps_and_both_logs_Then_no_planted_value_or_secret_key_is_there_and_nothing_decrypts()
    {
        var passwords = new Dictionary<string, string>();
        var patientPassword = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("insider-victim", patientPassword);
        passwords[patient.Username] = patientPassword;
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        using var family = await system.NewMemberAsync("family", SrsRoles.RelatedPerson);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var planted = await PlantedRecord.WriteAsync(new PatientRecord(patient, grants.Book));

        var doctorGrant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals, PhrSection.Medical]);
        await grants.GrantAsync(family.FhirUser, family.Keys.Fingerprint, [PhrSection.Vitals, PhrSection.Personal]);
        var doctorReader = new GranteeReader(doctor);
        await doctorReader.LearnAsync(patient.FhirUser);
        (await doctorReader.ReadAndOpenAsync(doctor, patient.FhirUser, "Condition", planted.Resources[PhrSection.Medical].Id!)).Opened.ShouldBe([PhrSection.Medical]);
        var familyReader = new GranteeReader(family);
        await familyReader.LearnAsync(patient.FhirUser);
        (await familyReader.ReadAndOpenAsync(family, patient.FhirUser, "Observation", planted.Resources[PhrSection.Vitals].Id!)).Opened.ShouldBe([PhrSection.Vitals]);
        await grants.RevokeAsync(doctorGrant.ConsentId);
        var later = (Condition)planted.Resources[PhrSection.Medical].DeepCopy();
        later.Id = "later-" + Guid.NewGuid().ToString("N")[..10];
        (await new PatientRecord(patient, grants.Book).WriteAsync(later)).IsSuccess.ShouldBeTrue();

        var fhirDump = await PostgresTools.DumpAsync(system.FhirDatabase.Name);
        var srsDump = await PostgresTools.DumpAsync(system.SrsDatabase.Name);
        var sources = new Dictionary<string, byte[]>
        {
            ["the FhirServer's pg_dump"] = Encoding.UTF8.GetBytes(fhirDump),
            ["the SRS's pg_dump"] = Encoding.UTF8.GetBytes(srsDump),
            ["the FhirServer's log"] = Encoding.UTF8.GetBytes(system.FhirServer.ReadLog()),
            ["the SRS's log"] = Encoding.UTF8.GetBytes(system.Srs.ReadLog()),
        };

        // The test can fail: the scenario reached both databases.
        fhirDump.ShouldContain(EncryptedSectionExtension.Url);
        srsDump.ShouldContain(patient.RequireUserId);

        var leaks = new List<string>();
        foreach (var (section, value) in planted.Planted)
        {
            leaks.AddRange(LeakSearch.Find(LeakSearch.FormsOfText(value), sources).Select(where => $"planted {section.ToCode()} value as {where}"));
        }

        foreach (var user in new[] { patient, doctor, family })
        {
            foreach (var (name, secret) in SecretParts(user.Keys))
            {
                leaks.AddRange(LeakSearch.Find(LeakSearch.FormsOfBytes(secret), sources).Select(where => $"{user.Role}'s {name} as {where}"));
            }
        }

        leaks.AddRange(LeakSearch.Find(LeakSearch.FormsOfText(patientPassword), sources).Select(where => $"the patient's password as {where}"));
        leaks.ShouldBeEmpty();

        await ShowNothingDecryptsAsync(patient, family, planted, fhirDump, srsDump);
        await ShowNoSecretKeyIsStoredAsync(patient, patientPassword);
    }

    /// <summary>Every kfrag of the SRS dump on every envelope of this patient's record in the FhirServer dump, with every key the insider could try.</summary>
    private async Task ShowNothingDecryptsAsync(PhrUser patient, PhrUser family, PlantedRecord planted, string fhirDump, string srsDump)
    {
        var dumpedEnvelopes = DumpMaterial.Envelopes(fhirDump).Select(e => Convert.ToHexStringLower(e.Bytes)).ToHashSet();
        var kfrags = DumpMaterial.KeyFrags(srsDump);
        kfrags.ShouldNotBeEmpty("the SRS dump holds no kfrag, though the family member's grant is active");

        var stored = new List<Resource>();
        foreach (var resource in planted.Resources.Values)
        {
            var response = await patient.Fhir.ReadAsync(resource.TypeName, resource.Id!);
            var served = response.Resource.ShouldNotBeNull($"{resource.TypeName}/{resource.Id}");
            foreach (var section in EncryptedSectionExtension.ReadAll((DomainResource)served))
            {
                dumpedEnvelopes.ShouldContain(Convert.ToHexStringLower(section.Envelope), $"the {section.Section.ToCode()} envelope is not in the FhirServer dump");
            }

            stored.Add(served);
        }

        // The insider's keys: fresh guesses and every 32-byte value either dump holds that is a valid scalar.
        var insiderKeys = new List<SecretKey> { SecretKey.Random() };
        foreach (var candidate in DumpMaterial.ByteaValues(srsDump).Concat(DumpMaterial.Base64Candidates(fhirDump)).Concat(DumpMaterial.Base64Candidates(srsDump))
                     .Where(bytes => bytes.Length == 32).Select(Convert.ToHexStringLower).Distinct().Select(Convert.FromHexString))
        {
            try
            {
                insiderKeys.Add(SecretKey.FromBigEndianBytes(candidate));
            }
            catch (UmbralException)
            {
                // Zero or not below the group order.
            }
        }

        Func<PhrSection, uint, PublicKey?> sectionKeys = (section, epoch) => patient.Keys.Sections.PublicKey(section.ToCode(), epoch);
        var patientKfrags = (await SrsKfragRows.OfPatientAsync(system, patient.FhirUser)).Select(row => KeyFrag.FromBytes(row.KeyFragBytes)).ToList();
        DatabaseOnlyAttack.Run(stored, kfrags, [insiderKeys[0]], patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldBeEmpty("an envelope opened with a kfrag from the SRS dump and a key the insider made up");
        DatabaseOnlyAttack.Run(stored, patientKfrags, insiderKeys, patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldBeEmpty("an envelope opened with a kfrag and a 32-byte value from the dumps");

        // The same cfrags do open for the grantee who holds their secret key: the material is real.
        DatabaseOnlyAttack.Run(stored, kfrags, [family.Keys.Decryption], patient.Keys.SigningPublicKey, sectionKeys).ShouldNotBeEmpty();
        foreach (var key in insiderKeys)
        {
            key.Dispose();
        }
    }

    /// <summary>The SRS's account rows: backups that need the password, and Argon2id verifiers.</summary>
    private async Task ShowNoSecretKeyIsStoredAsync(PhrUser patient, string password)
    {
        await using var connection = new NpgsqlConnection(system.SrsDatabase.ConnectionString);
        await connection.OpenAsync();
        var verifiers = new List<string>();
        byte[]? backup = null;
        await using (var command = new NpgsqlCommand("""SELECT "Username", "AuthSecretHash", "WrappedBackup" FROM srs.accounts""", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                verifiers.Add(reader.GetString(1));
                if (reader.GetString(0) == patient.Username)
                {
                    backup = (byte[])reader[2];
                }
            }
        }

        verifiers.ShouldNotBeEmpty();
        verifiers.ShouldAllBe(v => v.StartsWith("$argon2id$", StringComparison.Ordinal));
        backup.ShouldNotBeNull("the patient's wrapped backup is not in srs.accounts");
        Should.Throw<KeyBackupAuthenticationException>(() => KeyBackup.Open(backup, password + "x", patient.Username).Dispose());
        Should.Throw<KeyBackupAuthenticationException>(() => KeyBackup.Open(backup, PhrUser.NewPassword(), patient.Username).Dispose());
        using var opened = KeyBackup.Open(backup, password, patient.Username);
        opened.AsSpan().SequenceEqual(patient.Keys.ToBackupPayload()).ShouldBeTrue("the backup holds the patient's keys (only the password opens it)");
    }

    /// <summary>The secret halves of a user's keys, as the backup payload lays them out.</summary>
    private static IEnumerable<(string Name, byte[] Secret)> SecretParts(UserKeys keys)
    {
        var payload = keys.ToBackupPayload();
        yield return ("decryption key", payload[5..37]);
        yield return ("signing key", payload[37..69]);
        yield return ("master secret", payload[69..101]);
        yield return ("key backup payload", payload);
    }
}
