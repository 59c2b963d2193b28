using SeSPHR.Client.Grants;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// Keeps a long-running patient's gateway sealing to the current epoch of each section: a revocation
/// made meanwhile with another <c>sesphr</c> command moves epochs on in the grant journal, and a write
/// sealed to the old epoch would stay readable by the grantee just revoked. Before each request the
/// book the sealing reads is brought up to the journal's epochs (they only ever move forward).
/// </summary>
internal sealed class CurrentEpochs(GrantBook book, GrantJournal journal) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (journal.LoadBook() is { } current)
        {
            foreach (var (section, epoch) in current.Epochs.Where(e => e.Value > book.EpochOf(e.Key)))
            {
                book.Epochs[section] = epoch;
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
