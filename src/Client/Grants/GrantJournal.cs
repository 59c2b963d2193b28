using System.Text.Json;
using System.Text.Json.Serialization;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

public enum GrantOperationKind
{
    Grant,
    Revoke,

    /// <summary>Access ended without the Consent ending (a role member left): the sections move to a new epoch and every Consent gets the new statement.</summary>
    MoveEpochs,
}

/// <summary>
/// A grant or revocation the patient's client started and has not seen through. Every step it
/// stands for is idempotent (re-uploading the same kfrags under the same statement, re-writing the
/// same Consent), so repair simply runs the operation again.
/// </summary>
public sealed record GrantOperation(GrantOperationKind Kind, string ConsentId, bool DeleteConsent = false, IReadOnlyList<PhrSection>? RekeyedSections = null)
{
    public bool Equals(GrantOperation? other) =>
        other is not null && Kind == other.Kind && ConsentId == other.ConsentId && DeleteConsent == other.DeleteConsent;

    public override int GetHashCode() => HashCode.Combine(Kind, ConsentId, DeleteConsent);
}

/// <summary>
/// The patient client's local journal: the grant book and the operations in flight, in one folder
/// on the patient's device. An operation is written down (with the book already moved forward)
/// before its first request, and struck off after its last, so a client that crashes or loses the
/// network between the SRS upload and the Consent write repairs the pair on its next run instead of
/// leaving kfrags without a Consent or a Consent without kfrags. Files are replaced atomically.
/// </summary>
public sealed class GrantJournal
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string _bookPath;
    private readonly string _operationsPath;

    public GrantJournal(string folder)
    {
        Directory.CreateDirectory(folder);
        Folder = folder;
        _bookPath = Path.Combine(folder, "grant-book.json");
        _operationsPath = Path.Combine(folder, "operations.json");
    }

    public string Folder { get; }

    public GrantBook? LoadBook() =>
        File.Exists(_bookPath) ? JsonSerializer.Deserialize<GrantBook>(File.ReadAllText(_bookPath), Json) : null;

    public IReadOnlyList<GrantOperation> OpenOperations() =>
        File.Exists(_operationsPath) ? JsonSerializer.Deserialize<List<GrantOperation>>(File.ReadAllText(_operationsPath), Json) ?? [] : [];

    public void SaveBook(GrantBook book) => WriteAtomically(_bookPath, JsonSerializer.Serialize(book, Json));

    /// <summary>Records the book as it will be after the operation, and the operation itself, before any request goes out.</summary>
    public void Begin(GrantBook book, GrantOperation operation)
    {
        SaveBook(book);
        var operations = OpenOperations().Where(o => o.ConsentId != operation.ConsentId).Append(operation).ToList();
        WriteAtomically(_operationsPath, JsonSerializer.Serialize(operations, Json));
    }

    public void Complete(GrantOperation operation)
    {
        var operations = OpenOperations().Where(o => o != operation).ToList();
        WriteAtomically(_operationsPath, JsonSerializer.Serialize(operations, Json));
    }

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
