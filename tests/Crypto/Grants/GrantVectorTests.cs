using System.Text.Json;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

/// <summary>
/// Known answers from a second implementation of src/Crypto/Grants/README.md, version 2
/// (vectors/generate_grant_vectors.py, on Python's hashlib and hmac): the header bytes, the padded
/// width, the root, each leaf hash and each opening, byte for byte.
/// </summary>
public class GrantVectorTests
{
    private static readonly Lazy<JsonElement[]> Vectors = new(Load);

    public static TheoryData<string> VectorNames()
    {
        var names = new TheoryData<string>();
        foreach (var vector in Vectors.Value)
            names.Add(vector.GetProperty("name").GetString()!);
        return names;
    }

    [Fact]
    public void Given_the_vector_file_When_loaded_Then_it_holds_the_two_cases_the_theory_runs()
    {
        Vectors.Value.Length.ShouldBe(2);
        VectorNames().Count.ShouldBe(Vectors.Value.Length);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Given_an_independent_vector_When_committing_the_statement_Then_header_root_and_openings_match_byte_for_byte(string name)
    {
        var v = Vectors.Value.Single(x => x.GetProperty("name").GetString() == name);

        var committed = Statement(v).Commit(Hex(v, "salt_key"));

        Convert.ToHexStringLower(committed.Header.ToCanonicalBytes()).ShouldBe(v.GetProperty("header").GetString());
        committed.Header.Width.ShouldBe(v.GetProperty("width").GetUInt32());
        Convert.ToHexStringLower(committed.Header.Root()).ShouldBe(v.GetProperty("root").GetString());
        foreach (var expected in v.GetProperty("openings").EnumerateArray())
        {
            var fingerprint = KeyFingerprint.FromBytes(Hex(expected, "fingerprint"));
            var opening = committed.OpeningFor(fingerprint, expected.GetProperty("section").GetString()!).ShouldNotBeNull();
            Convert.ToHexStringLower(opening.ToBytes()).ShouldBe(expected.GetProperty("opening").GetString());
            Convert.ToHexStringLower(GrantTree.LeafHash(opening.Salt, opening.Entry.ToCanonicalBytes())).ShouldBe(expected.GetProperty("leaf").GetString());
            committed.Header.Open(GrantOpening.FromBytes(Hex(expected, "opening"))).ShouldBe(opening.Entry);
        }

        GrantStatementHeader.FromCanonicalBytes(Hex(v, "header")).ToCanonicalBytes().ShouldBe(Hex(v, "header"));
    }

    private static GrantStatement Statement(JsonElement v)
    {
        var sections = v.GetProperty("sections").EnumerateArray().Select(s => new SectionKey(
            s.GetProperty("code").GetString()!, s.GetProperty("epoch").GetUInt32(), PublicKey.FromBytes(Hex(s, "public_key"))));
        var grantees = v.GetProperty("grantees").EnumerateArray().Select(g => new GranteeGrants(
            g.GetProperty("id").GetString()!,
            KeyFingerprint.FromBytes(Hex(g, "fingerprint")),
            [.. g.GetProperty("grants").EnumerateArray().Select(x => new SectionGrant(
                x.GetProperty("section").GetString()!,
                (GrantActions)x.GetProperty("actions").GetInt32(),
                DateTimeOffset.FromUnixTimeMilliseconds(x.GetProperty("start").GetInt64()),
                x.GetProperty("end").ValueKind == JsonValueKind.Null ? null : DateTimeOffset.FromUnixTimeMilliseconds(x.GetProperty("end").GetInt64())))]));
        return new GrantStatement(
            v.GetProperty("patient_id").GetString()!, v.GetProperty("number").GetInt64(),
            DateTimeOffset.FromUnixTimeMilliseconds(v.GetProperty("issued_at").GetInt64()), sections, grantees);
    }

    private static byte[] Hex(JsonElement element, string field) => Convert.FromHexString(element.GetProperty(field).GetString()!);

    private static JsonElement[] Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "Crypto", "Grants", "vectors", "grant-vectors.json");
            if (File.Exists(path))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                return [.. document.RootElement.GetProperty("vectors").EnumerateArray().Select(e => e.Clone())];
            }
        }

        throw new FileNotFoundException("tests/Crypto/Grants/vectors/grant-vectors.json not found above " + AppContext.BaseDirectory);
    }
}
