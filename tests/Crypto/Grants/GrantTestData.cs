using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

/// <summary>A patient with two sections and two grantees, and helpers to vary one field at a time.</summary>
internal sealed class GrantTestData : IDisposable
{
    public static readonly DateTimeOffset IssuedAt = new(2025, 11, 25, 15, 0, 0, TimeSpan.Zero);

    public GrantTestData()
    {
        PatientKey = SecretKey.Random();
        PatientSigner = new Signer(PatientKey);
        Vitals = new SectionKey("vitals", 3, SecretKey.Random().PublicKey);
        Medical = new SectionKey("medical", 0, SecretKey.Random().PublicKey);
        Doctor = new GranteeGrants("practitioner-7", NewFingerprint(),
        [
            new SectionGrant("vitals", GrantActions.Read | GrantActions.Write, IssuedAt),
            new SectionGrant("medical", GrantActions.Read, IssuedAt, IssuedAt.AddDays(30)),
        ]);
        Insurer = new GranteeGrants("insurer-2", NewFingerprint(),
        [
            new SectionGrant("medical", GrantActions.Read, IssuedAt.AddDays(-1), IssuedAt.AddDays(1)),
        ]);
    }

    public SecretKey PatientKey { get; }

    public Signer PatientSigner { get; }

    public SectionKey Vitals { get; }

    public SectionKey Medical { get; }

    public GranteeGrants Doctor { get; }

    public GranteeGrants Insurer { get; }

    public static KeyFingerprint NewFingerprint() => KeyFingerprint.Compute(SecretKey.Random().PublicKey, SecretKey.Random().PublicKey);

    /// <summary>The patient's grant-salt key; fixed, so one statement always commits to one root.</summary>
    public static byte[] SaltKey { get; } = Enumerable.Repeat((byte)0x5a, GrantStatement.SaltKeySize).ToArray();

    public GrantStatement Statement(long number = 5, string patientId = "patient-0001") =>
        new(patientId, number, IssuedAt, [Vitals, Medical], [Doctor, Insurer]);

    public CommittedGrantStatement Committed(long number = 5, string patientId = "patient-0001") => Statement(number, patientId).Commit(SaltKey);

    public GrantStatementHeader Header(long number = 5, string patientId = "patient-0001") => Committed(number, patientId).Header;

    public void Dispose() => PatientKey.Dispose();
}
