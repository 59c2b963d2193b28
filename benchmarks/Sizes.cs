namespace SeSPHR.Benchmarks;

/// <summary>The message sizes the issue names, as labels shared with the Node reference script.</summary>
internal static class Sizes
{
    public static int Parse(string label) => label switch
    {
        "1 KiB" => 1024,
        "50 KB" => 50_000,
        "1 MiB" => 1 << 20,
        "2 MiB" => 2 << 20,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Unknown size label."),
    };

    /// <summary>Deterministic filler, the same as the reference script's <c>(i * 7) &amp; 0xff</c>.</summary>
    public static byte[] Data(string label)
    {
        var data = new byte[Parse(label)];
        for (var i = 0; i < data.Length; i++)
            data[i] = (byte)(i * 7);
        return data;
    }
}
