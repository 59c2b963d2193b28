using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace SeSPHR.Srs.Security;

/// <summary>
/// Seals each data-protection key (the keys behind the login cookie) under the key-encryption key
/// before ASP.NET writes it to the SRS database, so the stored key ring is as unreadable as the
/// server keys. The associated data names the data-protection purpose: a sealed server key pasted
/// into the key ring does not open.
/// </summary>
internal sealed class SealedXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    public const string Purpose = "data-protection";
    public const string ElementName = "sealedKey";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedKey = kek.Seal(plaintext, Purpose, ElementName);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        return new EncryptedXmlInfo(new XElement(ElementName, Convert.ToBase64String(sealedKey)), typeof(SealedXmlDecryptor));
    }
}

/// <summary>Opens what <see cref="SealedXmlEncryptor"/> sealed; ASP.NET creates it by type name from the stored key, with the service provider.</summary>
internal sealed class SealedXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var kek = services.GetRequiredService<KeyEncryptionKey>();
        var plaintext = kek.Open(Convert.FromBase64String(encryptedElement.Value), SealedXmlEncryptor.Purpose, SealedXmlEncryptor.ElementName);
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
