using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>
/// The first admin's way in. At the first start with no admin, the SRS makes a random 128-bit code,
/// prints it once to its log and writes it to <c>{DataDirectory}/enrolment-code</c> (mode 0600),
/// and keeps only its SHA-256 (a 128-bit random code needs no slow hash). Redeeming it creates an
/// admin and spends it in the same transaction; there is no default password anywhere.
/// </summary>
public sealed partial class Enrolment(SrsDbContext db, IOptions<SrsOptions> options, TimeProvider time, ILogger<Enrolment> logger)
{
    private const int CodeRow = 1;
    public const string FileName = "enrolment-code";

    public async Task OfferAtFirstStartAsync(CancellationToken cancellationToken)
    {
        if (await db.Accounts.AnyAsync(a => a.Role == SrsRoles.Admin, cancellationToken) ||
            await db.Set<EnrolmentCode>().AnyAsync(cancellationToken))
            return;

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        db.Add(new EnrolmentCode { Id = CodeRow, CodeHash = HashOf(code), CreatedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return; // another SRS process offered one first
        }

        var path = CodeFile();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var file = new StreamWriter(path, Encoding.ASCII, fileOptions))
            await file.WriteLineAsync(code);
        LogEnrolmentCode(logger, code, path);
    }

    /// <summary>Spends the code and stores <paramref name="admin"/> in one transaction; false when the code is wrong or spent.</summary>
    public async Task<bool> RedeemAsync(string code, Account admin, CancellationToken cancellationToken)
    {
        var stored = await db.Set<EnrolmentCode>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == CodeRow, cancellationToken);
        if (stored is null || stored.UsedAt is not null || !CryptographicOperations.FixedTimeEquals(stored.CodeHash, HashOf(code)))
            return false;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var spent = await db.Set<EnrolmentCode>()
            .Where(e => e.Id == CodeRow && e.UsedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.UsedAt, time.GetUtcNow()), cancellationToken);
        if (spent != 1)
            return false;
        db.Accounts.Add(admin);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        File.Delete(CodeFile());
        return true;
    }

    private string CodeFile() => Path.GetFullPath(Path.Combine(options.Value.DataDirectory, FileName));

    private static byte[] HashOf(string code) => SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim()));

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "First start: enrolment code for the first admin is {Code} (also in {Path}); it is shown only this once and works once.")]
    private static partial void LogEnrolmentCode(ILogger logger, string code, string path);
}
