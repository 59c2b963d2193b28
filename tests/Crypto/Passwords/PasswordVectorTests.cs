using System.Text.Json;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Passwords;

/// <summary>
/// Known answers from a second, independent implementation of src/Crypto/Passwords/README.md
/// (vectors/generate_password_vectors.py, on pyca/cryptography's Argon2id, HKDF and ChaCha20-Poly1305).
/// </summary>
public class PasswordVectorTests
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
    public void Given_the_vector_file_When_loaded_Then_it_holds_the_three_cases_the_theory_runs()
    {
        Vectors.Value.Length.ShouldBe(3);
        VectorNames().Count.ShouldBe(Vectors.Value.Length);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Given_an_independent_vector_When_deriving_and_sealing_Then_every_byte_matches(string name)
    {
        var v = Vectors.Value.Single(x => x.GetProperty("name").GetString() == name);
        var parameters = new Argon2idParameters(v.GetProperty("memory_kib").GetInt32(), v.GetProperty("iterations").GetInt32(), v.GetProperty("parallelism").GetInt32());
        var settings = new PasswordKdfSettings(parameters, Hex(v, "salt"));
        var policy = PasswordKdfPolicy.Production.Accepts(parameters) ? PasswordKdfPolicy.Production : TestPasswordPolicy.PermissivePolicy;
        var password = v.GetProperty("password").GetString()!;
        var userId = v.GetProperty("user_id").GetString()!;

        using var key = PasswordMasterKey.Derive(password, userId, settings, policy);
        using var auth = key.DeriveAuthenticationSecret();
        var blob = KeyBackup.Seal(key, Hex(v, "secret_keys"), new ReplayedRandom(Hex(v, "nonce")));
        using var opened = KeyBackup.Open(Hex(v, "blob"), password, userId, policy);

        Convert.ToHexStringLower(auth.AsSpan()).ShouldBe(v.GetProperty("authentication_secret").GetString());
        Convert.ToHexStringLower(blob).ShouldBe(v.GetProperty("blob").GetString());
        opened.ToArray().ShouldBe(Hex(v, "secret_keys"));
    }

    private static byte[] Hex(JsonElement vector, string field) => Convert.FromHexString(vector.GetProperty(field).GetString()!);

    private static JsonElement[] Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "Crypto", "Passwords", "vectors", "password-vectors.json");
            if (File.Exists(path))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                return [.. document.RootElement.GetProperty("vectors").EnumerateArray().Select(e => e.Clone())];
            }
        }

        throw new FileNotFoundException("tests/Crypto/Passwords/vectors/password-vectors.json not found above " + AppContext.BaseDirectory);
    }

    private sealed class ReplayedRandom(byte[] bytes) : IRandomSource
    {
        private int _offset;

        public void Fill(Span<byte> destination)
        {
            bytes.AsSpan(_offset, destination.Length).CopyTo(destination);
            _offset += destination.Length;
        }
    }
}
