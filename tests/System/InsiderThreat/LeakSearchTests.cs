using System.Text;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>Guards the guard: each form finds a value written in it, at any offset, and nothing else.</summary>
public sealed class LeakSearchTests
{
    private const string Planted = "planted-medical-3f9a1c07be";

    public static TheoryData<int> Offsets => new() { 0, 1, 2, 3, 7 };

    [Theory]
    [MemberData(nameof(Offsets))]
    public void Given_a_value_embedded_in_each_encoding_at_an_offset_When_searched_Then_it_is_found(int offset)
    {
        var value = Encoding.UTF8.GetBytes(Planted);
        byte[] Around(byte[] inner) => [.. Encoding.ASCII.GetBytes(new string('x', offset)), .. inner, .. "yy"u8];
        byte[] Base64Around(bool urlSafe)
        {
            var text = Convert.ToBase64String([.. new byte[offset], .. value, 1, 2, 3]);
            return Encoding.ASCII.GetBytes(urlSafe ? text.Replace('+', '-').Replace('/', '_') : text);
        }

        var haystacks = new Dictionary<string, byte[]>
        {
            ["raw"] = Around(value),
            ["utf-16"] = Around(Encoding.Unicode.GetBytes(Planted)),
            ["hex"] = Around(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(value))),
            ["HEX"] = Around(Encoding.ASCII.GetBytes(Convert.ToHexString(value))),
            ["base64"] = Base64Around(urlSafe: false),
            ["base64url"] = Base64Around(urlSafe: true),
        };

        foreach (var (encoding, haystack) in haystacks)
        {
            LeakSearch.Find(LeakSearch.FormsOfText(Planted), new Dictionary<string, byte[]> { ["dump"] = haystack })
                .ShouldNotBeEmpty($"{encoding} at offset {offset}");
        }
    }

    [Fact]
    public void Given_text_without_the_value_When_searched_Then_nothing_is_found()
    {
        var other = Encoding.UTF8.GetBytes("planted-medical-3f9a1c07bf " + Convert.ToBase64String(Encoding.UTF8.GetBytes("planted-vitals-0000000000")));

        LeakSearch.Find(LeakSearch.FormsOfText(Planted), new Dictionary<string, byte[]> { ["dump"] = other }).ShouldBeEmpty();
    }
}
