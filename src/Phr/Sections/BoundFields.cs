using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Serialization;

namespace SeSPHR.Phr.Sections;

/// <summary>
/// The canonical form and hash of a resource's bound clear fields: the few clear elements whose
/// change would alter the meaning of the protected data. Writers sign the hash with each
/// envelope, so a server that moves a protected section to another patient, date, category or
/// code is caught. The hash is the same for a resource and for its clear part, and it does not
/// change when a server sets <c>meta</c> (versionId, lastUpdated), reorders JSON properties or
/// touches protected detail of a bound element (a reference's display).
/// </summary>
/// <remarks>
/// Encoding <c>sesphr-bound-fields/1</c>; <c>str(x)</c> is a 4-byte big-endian length followed by
/// the UTF-8 bytes of x:
/// <code>
/// str("sesphr-bound-fields/1") ‖ str(resourceType) ‖ uint32be(n) ‖
///   for each of the policy's n bound fields, in the policy's order:
///     str(FHIRPath name, e.g. "Observation.effective") ‖ str(value)
/// </code>
/// where value is the empty string when the element is absent, not clear for this resource, or
/// only a masked placeholder; otherwise the canonical JSON (<see cref="CanonicalJson"/>) of the
/// object holding the element's clear projection under its FHIR JSON name(s) — for example
/// <c>{"effectiveDateTime":"2020-01-01"}</c>, so a choice element's type is part of the value.
/// A present value is never the empty string, so absent and present cannot collide.
/// </remarks>
public static class BoundFields
{
    public const string EncodingVersion = "sesphr-bound-fields/1";

    /// <summary>SHA-256 over <see cref="CanonicalEncoding"/>.</summary>
    public static byte[] Hash(Resource resource) => SHA256.HashData(CanonicalEncoding(resource));

    public static byte[] CanonicalEncoding(Resource resource)
    {
        var policy = SectionPolicy.For(resource);
        using var stream = new MemoryStream();
        WriteString(stream, EncodingVersion);
        WriteString(stream, resource.TypeName);
        WriteUInt32(stream, (uint)policy.BoundFields.Count);
        foreach (var name in policy.BoundFields)
        {
            WriteString(stream, $"{resource.TypeName}.{name}");
            WriteString(stream, CanonicalValue(policy, resource, name));
        }

        return stream.ToArray();
    }

    private static string CanonicalValue(ResourcePolicy policy, Resource resource, string name)
    {
        if (!resource.TryGetValue(name, out var value) || value is null || !policy.IsClear(resource, name, value))
        {
            return string.Empty;
        }

        if (ClearProjection.Project(value) is not { } projection)
        {
            return string.Empty;
        }

        var holder = (Resource)FhirElements.ClassOf(resource).CreateInstance();
        holder.SetValue(name, projection);
        using var document = JsonDocument.Parse(FhirJson.Serialize(holder));
        return CanonicalJson.Write(document.RootElement, skipProperty: "resourceType");
    }

    private static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteUInt32(stream, (uint)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, value);
        stream.Write(length);
    }
}
