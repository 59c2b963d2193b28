// Writes seed.sql (run by the cluster superuser into the SRS database after the SRS created its
// schema), body-1.json and body-20.json into the folder named by the first argument. Key material
// is made fresh for each run and never leaves the benchmark's work folder.
using System.Globalization;
using System.Text;
using System.Text.Json;
using SeSPHR.Crypto.Umbral;

var folder = args.Length == 1 ? args[0] : throw new ArgumentException("usage: SeSPHR.ReencryptData OUTPUT_FOLDER");
Directory.CreateDirectory(folder);

var grantee = Guid.Parse("6b1f1e0e-0000-4000-8000-000000000001");
var patient = Guid.Parse("6b1f1e0e-0000-4000-8000-000000000002");
using var sectionKey = SecretKey.Random();
using var granteeKey = SecretKey.Random();
using var signingKey = SecretKey.Random();
var kfrag = UmbralPre.GenerateKFrags(sectionKey, granteeKey.PublicKey, new Signer(signingKey), 1, 1, true, true)[0];

static string Hex(byte[] bytes) => "'\\x" + Convert.ToHexStringLower(bytes) + "'";

var sql = new StringBuilder();
foreach (var (id, name, role, fhirUser, umbral) in new[] { (grantee, "bench-doctor", "practitioner", "Practitioner/bench", granteeKey.PublicKey), (patient, "bench-patient", "patient", "Patient/p1", sectionKey.PublicKey) })
{
    sql.Append(CultureInfo.InvariantCulture, $"""
        INSERT INTO srs.accounts ("Id", "Username", "Role", "FhirUser", "Status", "KdfSalt", "KdfMemoryKiB", "KdfIterations", "KdfParallelism",
          "AuthSecretHash", "UmbralPublicKey", "SigningPublicKey", "Fingerprint", "WrappedBackup", "CreatedAt")
        VALUES ('{id}', '{name}', '{role}', '{fhirUser}', 'Active', '\x00', 0, 0, 0, 'unused', {Hex(umbral.ToCompressedBytes())},
          {Hex(signingKey.PublicKey.ToCompressedBytes())}, '{new string('0', 64)}', '\x00', now());

        """);
}

sql.Append(CultureInfo.InvariantCulture, $"""
    INSERT INTO srs.reencryption_keys ("PatientUserId", "PatientFhirUser", "ConsentId", "Section", "Epoch", "GranteeUserId", "DelegatingPublicKey",
      "KeyFragBytes", "KeyFragId", "Threshold", "Shares", "Start", "End", "State", "CreatedAt", "ActivatedAt")
    VALUES ('{patient}', 'Patient/p1', 'Consent/bench', 'vitals', 1, '{grantee}', {Hex(sectionKey.PublicKey.ToCompressedBytes())},
      {Hex(kfrag.ToBytes())}, {Hex(new byte[32])}, 1, 1, now() - interval '1 day', NULL, 'Active', now(), now());

    """);
File.WriteAllText(Path.Combine(folder, "seed.sql"), sql.ToString());

var capsules = Enumerable.Range(0, 20).Select(i => UmbralPre.Encrypt(sectionKey.PublicKey, Encoding.UTF8.GetBytes($"pulse {60 + i}")).Capsule.ToBytes()).ToList();
foreach (var count in new[] { 1, 20 })
{
    var body = new
    {
        granteeId = grantee.ToString(),
        items = capsules.Take(count).Select((capsule, i) => new { @ref = $"Observation/o{i}", patient = "Patient/p1", section = "vitals", epoch = 1, capsule = Convert.ToBase64String(capsule) }),
    };
    File.WriteAllText(Path.Combine(folder, $"body-{count}.json"), JsonSerializer.Serialize(body));
}

Console.WriteLine($"seeded: grantee {grantee}, 1 kfrag, 20 capsules in {folder}");
