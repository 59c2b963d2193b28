using System.Buffers.Binary;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// The Merkle tree a grant statement commits to. Leaf and node hashes carry different prefixes and
/// domain tags, so a node can never be passed off as a leaf (or the reverse); each leaf hash covers a
/// secret 32-byte salt, so a sibling hash in a grantee's path reveals nothing about the entry under
/// it, not even to someone who guesses every field of it. The tree is padded with pseudo-random
/// leaves to a power of two (at least <see cref="MinWidth"/>), and the leaves are ordered by hash, so
/// a grantee learns neither the other entries nor where its own sits among them; only the padded
/// width (a power of two) tells roughly how many entries there are.
/// </summary>
/// <remarks>
/// <c>leaf = SHA-256(0x00 || LP("SeSPHR/grant-leaf/v2") || salt(32) || entry bytes)</c>,
/// <c>node = SHA-256(0x01 || LP("SeSPHR/grant-node/v2") || left(32) || right(32))</c>. Salts and padding
/// leaves are HMAC-SHA256 under the patient's grant-salt key over the statement number and the entry
/// (or the padding index), so a statement rebuilt during repair has the very same root.
/// </remarks>
internal static class GrantTree
{
    public const int HashSize = Sha256.HashLength;

    public const int MinWidth = 16;

    /// <summary>At most 2^20 leaves: far above any patient's grantees, and a bound on a path's length.</summary>
    public const int MaxDepth = 20;

    private static readonly byte[] LeafTag = Tagged("SeSPHR/grant-leaf/v2");
    private static readonly byte[] NodeTag = Tagged("SeSPHR/grant-node/v2");
    private static readonly byte[] SaltTag = Tagged("SeSPHR/grant-salt/v2");
    private static readonly byte[] PaddingTag = Tagged("SeSPHR/grant-padding/v2");

    public static byte[] LeafHash(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> entryBytes)
    {
        var input = new byte[1 + LeafTag.Length + salt.Length + entryBytes.Length];
        input[0] = 0x00;
        LeafTag.CopyTo(input, 1);
        salt.CopyTo(input.AsSpan(1 + LeafTag.Length));
        entryBytes.CopyTo(input.AsSpan(1 + LeafTag.Length + salt.Length));
        return Sha256.Hash(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var input = new byte[1 + NodeTag.Length + (2 * HashSize)];
        input[0] = 0x01;
        NodeTag.CopyTo(input, 1);
        left.CopyTo(input.AsSpan(1 + NodeTag.Length));
        right.CopyTo(input.AsSpan(1 + NodeTag.Length + HashSize));
        return Sha256.Hash(input);
    }

    public static byte[] Salt(ReadOnlySpan<byte> saltKey, long number, ReadOnlySpan<byte> entryBytes)
    {
        var input = new byte[SaltTag.Length + 8 + entryBytes.Length];
        SaltTag.CopyTo(input, 0);
        BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(SaltTag.Length), number);
        entryBytes.CopyTo(input.AsSpan(SaltTag.Length + 8));
        var salt = new byte[HashSize];
        Sha256.Hmac(saltKey, input, salt);
        return salt;
    }

    public static byte[] PaddingLeaf(ReadOnlySpan<byte> saltKey, long number, int index)
    {
        var input = new byte[PaddingTag.Length + 8 + 4];
        PaddingTag.CopyTo(input, 0);
        BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(PaddingTag.Length), number);
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(PaddingTag.Length + 8), index);
        var leaf = new byte[HashSize];
        Sha256.Hmac(saltKey, input, leaf);
        return leaf;
    }

    public static int WidthFor(int entries)
    {
        var width = MinWidth;
        while (width < entries)
        {
            width *= 2;
        }

        return width;
    }

    public static int DepthOf(int width) => System.Numerics.BitOperations.Log2((uint)width);

    public static bool IsValidWidth(uint width) =>
        width >= MinWidth && width <= 1u << MaxDepth && System.Numerics.BitOperations.IsPow2(width);

    /// <summary>All levels, leaves first; the last level holds the root alone.</summary>
    public static List<byte[][]> Levels(byte[][] leaves)
    {
        var levels = new List<byte[][]> { leaves };
        while (levels[^1].Length > 1)
        {
            var below = levels[^1];
            var level = new byte[below.Length / 2][];
            for (var i = 0; i < level.Length; i++)
            {
                level[i] = NodeHash(below[2 * i], below[(2 * i) + 1]);
            }

            levels.Add(level);
        }

        return levels;
    }

    /// <summary>The siblings from the leaf at <paramref name="index"/> up to (not including) the root.</summary>
    public static byte[][] Path(List<byte[][]> levels, int index)
    {
        var path = new byte[levels.Count - 1][];
        for (var depth = 0; depth < path.Length; depth++)
        {
            path[depth] = levels[depth][index ^ 1];
            index >>= 1;
        }

        return path;
    }

    public static byte[] RootFrom(byte[] leaf, uint index, IReadOnlyList<byte[]> path)
    {
        var node = leaf;
        foreach (var sibling in path)
        {
            node = (index & 1) == 0 ? NodeHash(node, sibling) : NodeHash(sibling, node);
            index >>= 1;
        }

        return node;
    }

    private static byte[] Tagged(string tag)
    {
        var writer = new CanonicalWriter();
        writer.WriteString(tag);
        return writer.ToArray();
    }
}
