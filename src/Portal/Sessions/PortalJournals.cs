using Microsoft.Extensions.Options;
using SeSPHR.Client.Accounts;
using SeSPHR.Portal.Hosting;

namespace SeSPHR.Portal.Sessions;

/// <summary>Where each patient's grant journal lives in the portal's data folder (readable by the portal's account only).</summary>
public sealed class PortalJournals(IOptions<PortalOptions> options)
{
    public string For(PhrUser patient)
    {
        var root = Path.Combine(options.Value.DataDirectory, "journals");
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(options.Value.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return Path.Combine(root, patient.RequireUserId);
    }
}
