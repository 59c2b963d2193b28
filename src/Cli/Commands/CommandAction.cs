using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Cli.Commands;

/// <summary>
/// Runs a command's action and turns every failure into one line on stderr and its exit code
/// (<see cref="ExitCodes"/>): the message says what to do, never a stack trace, a secret or a
/// protected value (the SDK's messages carry statuses and ids only).
/// </summary>
internal static class CommandAction
{
    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                return await action(parse, cancellation);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                CliConsole.Say("sesphr: interrupted; what finished is kept, run the command again to go on.");
                return ExitCodes.Interrupted;
            }
            catch (Exception ex)
            {
                var failure = Explain(ex);
                CliConsole.Say("sesphr: " + failure.Message);
                return failure.ExitCode;
            }
            finally
            {
                ProfileFolder.Current().NarrowFiles();
            }
        });

    private static CliException Explain(Exception ex) => ex switch
    {
        CliException known => known,
        _ when SignIn.AsSignInFailure(ex) is { } signIn => signIn,
        NotSignedInException => new(ExitCodes.NotSignedIn, ex.Message),
        SrsUnavailableException or FhirServerUnavailableException => new(ExitCodes.ServerDown, ex.Message),
        HttpRequestException { InnerException: SocketException } or HttpRequestException { StatusCode: null } =>
            new(ExitCodes.ServerDown, $"A server could not be reached ({ex.Message}); is SeSPHR running (./sesphr up)?"),
        TaskCanceledException => new(ExitCodes.ServerDown, "A server did not answer in time; try again later."),
        SrsRequestException { Status: >= HttpStatusCode.InternalServerError } => new(ExitCodes.ServerDown, ex.Message),
        SrsRequestException { Status: HttpStatusCode.Forbidden } => new(ExitCodes.NotAllowed, ex.Message),
        SrsRequestException { Status: HttpStatusCode.NotFound } => new(ExitCodes.NotFound, ex.Message),
        TamperedEnvelopeException or UntrustedWriterException or InvalidCapsuleFragmentException or EnvelopeException or UmbralException
            or UnknownSectionKeyException =>
            new(ExitCodes.Tampered, "The record did not verify, nothing of it is shown: " + ex.Message),
        GrantingException => new(ExitCodes.Failed, ex.Message),
        _ => new(ExitCodes.Failed, $"{ex.GetType().Name}: {ex.Message}"),
    };
}
