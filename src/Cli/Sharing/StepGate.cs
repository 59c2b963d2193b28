namespace SeSPHR.Cli.Sharing;

/// <summary>
/// The fault-injection seam of the crash tests (tests/System/AtomicGrants): with
/// <c>SESPHR_STEP_GATE=1</c>, a grant or revocation writes <c>STEP {step} {consentId}</c> on stdout
/// before each of its requests and before the journal strikes it off, and waits for a line on stdin,
/// so a test can SIGKILL the process exactly there. Off by default; it changes nothing but timing.
/// </summary>
internal static class StepGate
{
    public static Func<string, string, Task>? BeforeStep =>
        Environment.GetEnvironmentVariable("SESPHR_STEP_GATE") == "1" ? WaitAsync : null;

    private static async Task WaitAsync(string step, string consentId)
    {
        await Console.Out.WriteLineAsync($"STEP {step} {consentId}");
        await Console.Out.FlushAsync();
        if (await Console.In.ReadLineAsync() is null)
        {
            throw new InvalidOperationException($"standard input closed while waiting at step {step}");
        }
    }
}
