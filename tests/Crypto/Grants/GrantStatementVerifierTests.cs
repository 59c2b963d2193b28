using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

public sealed class GrantStatementVerifierTests : IDisposable
{
    private readonly GrantTestData _data = new();

    public void Dispose() => _data.Dispose();

    private GrantStatementVerifier NewVerifier(GrantStatementCheckpoint? checkpoint = null) =>
        new("patient-0001", _data.PatientKey.PublicKey, checkpoint);

    private SignedGrantStatement Signed(long number) => _data.Header(number).Sign(_data.PatientSigner);

    [Fact]
    public void Given_increasing_statement_numbers_When_accepted_Then_each_is_taken_and_remembered()
    {
        var verifier = NewVerifier();

        verifier.Accept(Signed(1)).Number.ShouldBe(1);
        verifier.Accept(Signed(2)).Number.ShouldBe(2);
        verifier.Accept(Signed(7)).Number.ShouldBe(7);

        verifier.LastSeen!.Number.ShouldBe(7);
        verifier.LastSeen.DigestHex.Length.ShouldBe(64);
    }

    [Fact]
    public void Given_a_newer_statement_was_seen_When_an_older_one_is_replayed_Then_it_is_refused_as_stale()
    {
        var verifier = NewVerifier();
        var old = Signed(3);
        verifier.Accept(old);
        verifier.Accept(Signed(4));

        var error = Should.Throw<StaleGrantStatementException>(() => verifier.Accept(old));

        error.Offered.ShouldBe(3);
        error.LastSeen.ShouldBe(4);
        verifier.LastSeen!.Number.ShouldBe(4);
    }

    [Fact]
    public void Given_a_statement_was_seen_When_the_same_statement_arrives_with_a_fresh_signature_Then_it_is_accepted_again()
    {
        var verifier = NewVerifier();
        var first = Signed(4);
        var again = Signed(4);
        first.Signature.ShouldNotBe(again.Signature);

        verifier.Accept(first);

        verifier.Accept(again).Number.ShouldBe(4);
    }

    [Fact]
    public void Given_a_statement_was_seen_When_a_different_one_with_the_same_number_arrives_Then_it_is_refused_as_conflicting()
    {
        var verifier = NewVerifier();
        verifier.Accept(Signed(4));
        var fork = new GrantStatement("patient-0001", 4, GrantTestData.IssuedAt, [_data.Vitals, _data.Medical], [_data.Doctor]).Commit(GrantTestData.SaltKey).Sign(_data.PatientSigner);

        Should.Throw<ConflictingGrantStatementException>(() => verifier.Accept(fork)).Number.ShouldBe(4);
    }

    [Fact]
    public void Given_a_checkpoint_persisted_by_an_earlier_run_When_an_older_statement_arrives_Then_it_is_still_refused()
    {
        var firstRun = NewVerifier();
        firstRun.Accept(Signed(9));

        var secondRun = NewVerifier(firstRun.LastSeen);

        Should.Throw<StaleGrantStatementException>(() => secondRun.Accept(Signed(8)));
        secondRun.Accept(Signed(9)).Number.ShouldBe(9);
    }

    [Fact]
    public void Given_a_statement_signed_by_another_key_When_accepted_Then_it_is_refused_and_nothing_is_remembered()
    {
        var verifier = NewVerifier();
        using var mallory = SecretKey.Random();

        Should.Throw<GrantStatementSignatureException>(() => verifier.Accept(_data.Header(100).Sign(new Signer(mallory))));

        verifier.LastSeen.ShouldBeNull();
        verifier.Accept(Signed(1)).Number.ShouldBe(1);
    }

    [Fact]
    public void Given_a_statement_about_another_patient_signed_by_the_same_key_When_accepted_Then_it_is_refused()
    {
        var verifier = NewVerifier();

        Should.Throw<GrantStatementPatientMismatchException>(() => verifier.Accept(_data.Header(1, "patient-0002").Sign(_data.PatientSigner)));
    }
}
