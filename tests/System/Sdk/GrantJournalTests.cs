using SeSPHR.Phr.Sections;
using SeSPHR.Client.Grants;

namespace SeSPHR.SystemTests.Sdk;

public sealed class GrantJournalTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sesphr-journal-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Given_a_revocation_begun_When_the_client_restarts_Then_the_operation_and_the_new_epoch_are_still_there()
    {
        var book = new GrantBook { PatientUserId = "u", PatientFhirUser = "Patient/p" };
        book.Epochs[PhrSection.Vitals]++;
        book.AdvanceStatement(DateTimeOffset.UtcNow);
        var revoke = new GrantOperation(GrantOperationKind.Revoke, "grant-1", DeleteConsent: false, [PhrSection.Vitals]);
        new GrantJournal(_folder).Begin(book, revoke);

        var reopened = new GrantJournal(_folder);

        reopened.OpenOperations().ShouldBe([revoke]);
        reopened.OpenOperations().Single().RekeyedSections.ShouldBe([PhrSection.Vitals]);
        reopened.LoadBook()!.EpochOf(PhrSection.Vitals).ShouldBe(2u);
        reopened.LoadBook()!.StatementIssuedAt.ShouldBe(book.StatementIssuedAt);
    }

    [Fact]
    public void Given_an_operation_completed_When_the_journal_is_read_Then_it_is_gone()
    {
        var journal = new GrantJournal(_folder);
        var book = new GrantBook { PatientUserId = "u", PatientFhirUser = "Patient/p" };
        var grant = new GrantOperation(GrantOperationKind.Grant, "grant-2");
        journal.Begin(book, grant);

        journal.Complete(grant);

        new GrantJournal(_folder).OpenOperations().ShouldBeEmpty();
    }
}
