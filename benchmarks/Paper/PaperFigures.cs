namespace SeSPHR.Benchmarks.Paper;

/// <summary>
/// The SeSPHR paper's measured values (Intel i7-2600, Java with JPBC), in seconds. The end points are
/// the values the paper states in its text; the points between them are interpolated (linearly in
/// file size; linearly in log10 of the number of users for key generation, whose axis is
/// logarithmic), not read off the figures, and every report marks them as interpolated.
/// </summary>
public static class PaperFigures
{
    public static IReadOnlyList<int> Users { get; } = [10, 100, 1_000, 10_000];

    public static IReadOnlyList<int> SizesKiB { get; } = [50, 100, 200, 500, 800, 1_024, 1_500, 2_048];

    public static double KeyGeneration(int users) =>
        Between(Math.Log10(users), Math.Log10(10), 0.6, Math.Log10(10_000), 2.16);

    public static double Encryption(int kib) => BySize(kib, 0.13, 1.289);

    public static double Decryption(int kib) => BySize(kib, 0.03, 0.25);

    public static double Upload(int kib) => BySize(kib, 1.25, 2.5);

    public static double Download(int kib) => BySize(kib, 0.08, 0.40);

    /// <summary>True where the paper states the value; false where it is interpolated.</summary>
    public static bool IsStated(int sizeOrUsers) => sizeOrUsers is 50 or 2_048 or 10 or 10_000;

    private static double BySize(int kib, double at50, double at2048) => Between(kib, 50, at50, 2_048, at2048);

    private static double Between(double x, double x0, double y0, double x1, double y1) => y0 + ((x - x0) * (y1 - y0) / (x1 - x0));
}
