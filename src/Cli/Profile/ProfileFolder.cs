namespace SeSPHR.Cli.Profile;

/// <summary>
/// The signed-in state of one person on this machine: <c>$SESPHR_HOME</c>, by default
/// <c>~/.config/sesphr</c>. The folder is the user's alone (0700) and every file in it too (0600):
/// it holds who is signed in, the patient's grant journal and import progress, and never a
/// password, a token or an unwrapped key (docs/adr/0024-cli-profile-and-keys-at-rest.md).
/// </summary>
internal sealed class ProfileFolder
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private ProfileFolder(string path) => Path = path;

    public string Path { get; }

    public string AccountFile => System.IO.Path.Combine(Path, "account.json");

    /// <summary>The patient's grant book and the grants and revocations in flight (the SDK's <c>GrantJournal</c>).</summary>
    public string JournalFolder => Subfolder("journal");

    /// <summary>One progress file per import source.</summary>
    public string ImportsFolder => Subfolder("imports");

    public static ProfileFolder Current()
    {
        var configured = Environment.GetEnvironmentVariable("SESPHR_HOME");
        var path = configured is { Length: > 0 }
            ? System.IO.Path.GetFullPath(configured)
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "sesphr");
        return new ProfileFolder(path);
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="file"/> (in this folder) atomically, readable by the user alone.</summary>
    public void WritePrivate(string file, string text)
    {
        Ensure(System.IO.Path.GetDirectoryName(file)!);
        var temporary = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Forgets everything of the signed-in person on this machine.</summary>
    public void DeleteAll()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    /// <summary>
    /// Gives every file of the profile mode 0600 and every folder 0700, also those the SDK's grant
    /// journal wrote with the process's default mode.
    /// </summary>
    public void NarrowFiles()
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(Path))
        {
            return;
        }

        File.SetUnixFileMode(Path, PrivateFolder);
        foreach (var entry in new DirectoryInfo(Path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            entry.UnixFileMode = entry is DirectoryInfo ? PrivateFolder : PrivateFile;
        }
    }

    private string Subfolder(string name)
    {
        var folder = System.IO.Path.Combine(Path, name);
        Ensure(folder);
        return folder;
    }

    private void Ensure(string folder)
    {
        foreach (var each in new[] { Path, folder })
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(each);
                continue;
            }

            Directory.CreateDirectory(each, PrivateFolder);
            // A folder made before (or by another tool) is narrowed too: nobody else lists it.
            File.SetUnixFileMode(each, PrivateFolder);
        }
    }
}
