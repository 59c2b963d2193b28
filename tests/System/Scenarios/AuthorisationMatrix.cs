using SeSPHR.Phr.Sections;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// The expected outcome of every (caller, section, access path) for one patient's record, written
/// out literally so a reader can check each cell against DESIGN.md §4 without running anything.
/// The grants behind it: family (related person) reads personal and vitals; the doctor reads
/// medical, vitals and prescriptions; the insurer reads insurance; the pharmacist reads
/// prescriptions; the researcher and the other patient hold nothing; nobody but the patient writes.
/// </summary>
/// <remarks>
/// Cells: <c>D</c> served with an envelope and cfrags that decrypt to the planted value (for the
/// patient: with their own keys); <c>M</c> served masked, with no envelope and no cfrag (the Patient
/// resource for a caller with some permit but not <c>personal</c>); <c>-</c> withheld, as if it did
/// not exist; <c>401</c> refused for want of a token; <c>W</c> write accepted; <c>X</c> write refused.
/// Paths: read, vread, search by patient, <c>_include</c> (the section's resource found by id with its
/// patient included; for personal, the Patient included from the vitals observation), <c>_revinclude</c>
/// (Patient by id with the section's resources), history, <c>$everything</c>, a transaction with a
/// GET entry, and a PUT of a new resource of the section.
/// </remarks>
public static class AuthorisationMatrix
{
    public static readonly string[] Paths = ["read", "vread", "search", "include", "revinclude", "history", "everything", "transaction", "write"];

    public static readonly string[] Callers = ["patient", "other-patient", "family", "doctor", "insurer", "pharmacist", "researcher", "anonymous"];

    private const string Table = """
        caller         section        read vread search include revinclude history everything transaction write
        patient        personal       D    D     D      D       D          D       D          D           W
        patient        medical        D    D     D      D       D          D       D          D           W
        patient        vitals         D    D     D      D       D          D       D          D           W
        patient        prescriptions  D    D     D      D       D          D       D          D           W
        patient        insurance      D    D     D      D       D          D       D          D           W
        other-patient  personal       -    -     -      -       -          -       -          -           X
        other-patient  medical        -    -     -      -       -          -       -          -           X
        other-patient  vitals         -    -     -      -       -          -       -          -           X
        other-patient  prescriptions  -    -     -      -       -          -       -          -           X
        other-patient  insurance      -    -     -      -       -          -       -          -           X
        family         personal       D    D     D      D       D          D       D          D           X
        family         medical        -    -     -      -       -          -       -          -           X
        family         vitals         D    D     D      D       D          D       D          D           X
        family         prescriptions  -    -     -      -       -          -       -          -           X
        family         insurance      -    -     -      -       -          -       -          -           X
        doctor         personal       M    M     M      M       M          M       M          M           X
        doctor         medical        D    D     D      D       D          D       D          D           X
        doctor         vitals         D    D     D      D       D          D       D          D           X
        doctor         prescriptions  D    D     D      D       D          D       D          D           X
        doctor         insurance      -    -     -      -       -          -       -          -           X
        insurer        personal       M    M     M      -       M          M       M          M           X
        insurer        medical        -    -     -      -       -          -       -          -           X
        insurer        vitals         -    -     -      -       -          -       -          -           X
        insurer        prescriptions  -    -     -      -       -          -       -          -           X
        insurer        insurance      D    D     D      D       D          D       D          D           X
        pharmacist     personal       M    M     M      -       M          M       M          M           X
        pharmacist     medical        -    -     -      -       -          -       -          -           X
        pharmacist     vitals         -    -     -      -       -          -       -          -           X
        pharmacist     prescriptions  D    D     D      D       D          D       D          D           X
        pharmacist     insurance      -    -     -      -       -          -       -          -           X
        researcher     personal       -    -     -      -       -          -       -          -           X
        researcher     medical        -    -     -      -       -          -       -          -           X
        researcher     vitals         -    -     -      -       -          -       -          -           X
        researcher     prescriptions  -    -     -      -       -          -       -          -           X
        researcher     insurance      -    -     -      -       -          -       -          -           X
        anonymous      personal       401  401   401    401     401        401     401        401         401
        anonymous      medical        401  401   401    401     401        401     401        401         401
        anonymous      vitals         401  401   401    401     401        401     401        401         401
        anonymous      prescriptions  401  401   401    401     401        401     401        401         401
        anonymous      insurance      401  401   401    401     401        401     401        401         401
        """;

    public static IReadOnlyDictionary<(string Caller, PhrSection Section, string Path), string> Expected { get; } = Parse();

    private static Dictionary<(string, PhrSection, string), string> Parse()
    {
        var lines = Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!header.Skip(2).SequenceEqual(Paths))
        {
            throw new InvalidOperationException("The matrix header does not list the paths in order.");
        }

        var cells = new Dictionary<(string, PhrSection, string), string>();
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != Paths.Length + 2 || !Callers.Contains(parts[0]))
            {
                throw new InvalidOperationException($"Malformed matrix row: {line}");
            }

            for (var i = 0; i < Paths.Length; i++)
            {
                cells.Add((parts[0], PhrSectionCodes.Parse(parts[1]), Paths[i]), parts[i + 2]);
            }
        }

        if (cells.Count != Callers.Length * PhrSectionCodes.All.Count * Paths.Length)
        {
            throw new InvalidOperationException("The matrix does not cover every caller, section and path exactly once.");
        }

        return cells;
    }
}
