using System.Text.Json;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Umbral;

/// <summary>
/// The reference vectors of <c>@nucypher/umbral-pre</c> 0.10.0, found by walking up from the test
/// binaries to the folder holding <c>shared/vectors/umbral</c> (the checkout's sibling, here and in CI).
/// </summary>
internal static class UmbralVectors
{
    public const string RelativePath = "shared/vectors/umbral/vectors-0.10.0.json";

    private static readonly Lazy<JsonElement> LazyRoot = new(Load);

    public static JsonElement Root => LazyRoot.Value;

    public static string FilePath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }

            throw new FileNotFoundException($"No ancestor of {AppContext.BaseDirectory} holds {RelativePath}.");
        }
    }

    public static byte[] Hex(this JsonElement element) => Convert.FromHexString(element.GetString()!);

    public static byte[] Hex(this JsonElement element, string property) => element.GetProperty(property).Hex();

    public static JsonElement Get(this JsonElement element, string property) => element.GetProperty(property);

    public static ReplayRandomSource Replay(this JsonElement element) => new(element.GetProperty("rng"));

    private static JsonElement Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        return document.RootElement.Clone();
    }
}

/// <summary>
/// Replays the randomness a vector recorded, checking that every request has the recorded length
/// and order, so a port that draws randomness differently fails loudly instead of by chance.
/// </summary>
internal sealed class ReplayRandomSource : IRandomSource
{
    private readonly byte[] _bytes;
    private readonly int[] _calls;
    private int _call;
    private int _offset;

    public ReplayRandomSource(JsonElement rng)
    {
        _bytes = rng.Hex("bytes");
        _calls = [.. rng.GetProperty("calls").EnumerateArray().Select(c => c.GetInt32())];
    }

    public void Fill(Span<byte> destination)
    {
        if (_call >= _calls.Length)
            throw new InvalidOperationException($"Randomness request #{_call + 1} of {destination.Length} bytes, but only {_calls.Length} were recorded.");
        if (_calls[_call] != destination.Length)
            throw new InvalidOperationException($"Randomness request #{_call + 1} wants {destination.Length} bytes; the reference drew {_calls[_call]}.");
        _bytes.AsSpan(_offset, destination.Length).CopyTo(destination);
        _offset += destination.Length;
        _call++;
    }

    public void ShouldBeExhausted()
    {
        _call.ShouldBe(_calls.Length, "every recorded randomness request is consumed");
        _offset.ShouldBe(_bytes.Length);
    }
}

/// <summary>A seeded, reproducible source for property tests (not for production).</summary>
internal sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
