using System.Diagnostics;
using System.Globalization;
using SeSPHR.Cli.Profile;
using Spectre.Console;

namespace SeSPHR.Cli.Import;

/// <summary>One <c>sesphr import</c> over its sources: the counts, and the loop that seals the next chunk while the last one is on its way.</summary>
internal sealed class ImportRun(Session session, ChunkWriter writer, int chunkSize)
{
    public int Written { get; private set; }

    public int AlreadyDone { get; private set; }

    public int Skipped { get; private set; }

    public async Task ImportAsync(string path, ProgressContext progress, Stopwatch clock, CancellationToken cancellation)
    {
        var source = ImportSource.Read(path);
        var plan = ImportPlan.For(source, session.Account.FhirUser, chunkSize);
        var done = ImportProgress.Load(session.Profile, session.Account.FhirUser, source.ContentHash, chunkSize);
        Skipped += plan.Skipped;
        var name = Markup.Escape(Path.GetFileName(path));
        var task = progress.AddTask(name, maxValue: Math.Max(plan.Resources.Count, 1));
        var pending = Enumerable.Range(0, plan.ChunkCount).Where(i => !done.IsDone(i)).ToList();
        var skippedNow = plan.Resources.Count - pending.Sum(i => plan.Chunk(i).Count);
        AlreadyDone += skippedNow;
        task.Increment(skippedNow);
        var next = pending.Count > 0 ? Task.Run(() => writer.Seal(plan.Chunk(pending[0])), cancellation) : null;
        for (var i = 0; i < pending.Count; i++)
        {
            var transaction = await next!;
            // Seal the next chunk while this one is written.
            next = i + 1 < pending.Count ? Task.Run(() => writer.Seal(plan.Chunk(pending[i + 1])), cancellation) : null;
            await writer.WriteAsync(transaction, $"{path}, chunk {pending[i] + 1} of {plan.ChunkCount}");
            done.MarkDone(pending[i]);
            Written += transaction.Entry.Count;
            task.Increment(transaction.Entry.Count);
            task.Description = string.Create(CultureInfo.InvariantCulture, $"{name} [grey]{Written / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0} resources/s[/]");
            cancellation.ThrowIfCancellationRequested();
        }

        task.Value = task.MaxValue;
        task.StopTask();
    }
}
