using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Primitives;

public class SecretBytesTests
{
    [Fact]
    public void Given_a_secret_When_formatting_it_Then_no_content_byte_appears()
    {
        using var secret = SecretBytes.CopyFrom(Convert.FromHexString("deadbeefcafebabe"));

        var shown = $"{secret} {secret.ToString()}";

        shown.ShouldNotContain("de", Case.Insensitive);
        shown.ShouldNotContain("ef", Case.Insensitive);
        shown.ShouldContain("8 bytes");
        shown.ShouldContain("redacted");
    }

    [Fact]
    public void Given_a_secret_When_disposed_Then_its_buffer_is_zeroed_and_reads_throw()
    {
        var secret = SecretBytes.CopyFrom(new byte[] { 1, 2, 3, 4 });
        var internalBuffer = secret.AsWritableSpan();

        secret.Dispose();

        internalBuffer.ToArray().ShouldAllBe(b => b == 0);
        Should.Throw<ObjectDisposedException>(() => secret.AsSpan().Length);
        secret.ToString().ShouldBe("SecretBytes(disposed)");
    }

    [Fact]
    public void Given_two_secrets_When_compared_Then_equality_follows_contents()
    {
        using var a = SecretBytes.CopyFrom(new byte[] { 1, 2, 3 });
        using var b = SecretBytes.CopyFrom(new byte[] { 1, 2, 3 });
        using var c = SecretBytes.CopyFrom(new byte[] { 1, 2, 4 });

        a.FixedTimeEquals(b).ShouldBeTrue();
        a.FixedTimeEquals(c).ShouldBeFalse();
    }
}
