using System.CommandLine;
using System.Text.Json;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Client.Accounts;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Cli.Accounts;

/// <summary>
/// <c>keys backup</c> and <c>keys restore</c>: a copy of the password-wrapped key backup outside the
/// SRS, and the check that such a copy opens with the password to the keys the directory publishes.
/// The file holds the wrapped backup only (Argon2id + XChaCha20-Poly1305, <c>KeyBackup</c>), never an open key.
/// </summary>
internal static class KeyCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create() => new("keys", "Your key backup.") { Backup(), Restore() };

    private static Command Backup()
    {
        var file = new Option<string>("--out") { Required = true, Description = "The file to write (it must not exist yet; mode 0600)." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("backup", "Write your password-wrapped key backup to a file.") { file, password, json };
        CommandAction.Set(command, async (parse, _) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(file));
            if (File.Exists(path))
            {
                throw new CliException(ExitCodes.Usage, $"{path} exists already; choose another file.");
            }

            using var session = await Session.OpenAsync(parse, password);
            var backup = await session.User.Srs.GetBackupAsync(session.User.RequireSrsAccessToken);
            var copy = new BackupFile(BackupFile.CurrentFormat, session.Account.Username, session.Account.Fingerprint, backup.WrappedBackup);
            WritePrivate(path, JsonSerializer.Serialize(copy, Json));
            Report(parse.GetValue(json), path, copy.Fingerprint, "written");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Restore()
    {
        var file = new Option<string>("--from") { Required = true, Description = "A file written by `sesphr keys backup`." };
        var (password, json) = (Passwords.StdinOption(), JsonOption.Create());
        var command = new Command("restore", "Check that a key backup file opens with your password to the keys the directory publishes for you.")
        {
            file, password, json,
        };
        CommandAction.Set(command, (parse, _) =>
        {
            var path = parse.GetRequiredValue(file);
            var copy = Read(path);
            var typed = Passwords.Read(parse, password, $"Password for {copy.Username}:");
            string fingerprint;
            try
            {
                using var payload = KeyBackup.Open(Convert.FromBase64String(copy.WrappedBackup), typed, copy.Username);
                using var keys = UserKeys.FromBackupPayload(payload.AsSpan());
                fingerprint = Convert.ToHexStringLower(keys.Fingerprint.ToBytes());
            }
            catch (KeyBackupAuthenticationException ex)
            {
                throw new CliException(ExitCodes.WrongPassword, "The backup does not open with this password (or was altered).", ex);
            }

            var expected = File.Exists(ProfileFolder.Current().AccountFile) ? Account.Load(ProfileFolder.Current()).Fingerprint : copy.Fingerprint;
            if (fingerprint != expected)
            {
                throw new CliException(ExitCodes.FingerprintMismatch, "The backup opens, but to other keys than the ones the directory publishes for you.");
            }

            Report(parse.GetValue(json), path, fingerprint, "opens to your keys");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static BackupFile Read(string path)
    {
        try
        {
            var copy = JsonSerializer.Deserialize<BackupFile>(File.ReadAllText(path), Json);
            return copy is { Format: BackupFile.CurrentFormat }
                ? copy
                : throw new CliException(ExitCodes.InvalidInput, $"{path} is not a sesphr key backup.");
        }
        catch (Exception ex) when (ex is JsonException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException(ex is JsonException ? ExitCodes.InvalidInput : ExitCodes.NotFound, $"{path} is not a readable sesphr key backup.", ex);
        }
    }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(text);
    }

    private static void Report(bool json, string path, string fingerprint, string state)
    {
        if (json)
        {
            CliConsole.WriteJson(new { File = path, Fingerprint = fingerprint, State = state });
        }
        else
        {
            CliConsole.Say($"{path}: {state} (key fingerprint {FingerprintText.Display(fingerprint)}).");
        }
    }

    private sealed record BackupFile(string Format, string Username, string Fingerprint, string WrappedBackup)
    {
        public const string CurrentFormat = "sesphr-key-backup/1";
    }
}
