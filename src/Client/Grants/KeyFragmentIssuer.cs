using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;

namespace SeSPHR.Client.Grants;

/// <summary>
/// Makes the re-encryption keys a grant needs: for each granted section and each of its epochs, one
/// 1-of-1 kfrag from that (section, epoch)'s delegating key to the grantee's Umbral key, signed by
/// the patient and covering both keys (so the SRS and the grantee can check whom it is from and for).
/// A grant covers every epoch, so a late joiner reads the whole history.
/// </summary>
public static class KeyFragmentIssuer
{
    public static IReadOnlyList<KfragUploadItem> ForGrantee(GranteeRecord grantee, GrantBook book, UserKeys patientKeys, Func<PhrSection, IEnumerable<uint>>? epochs = null)
    {
        var receivingKey = PublicKey.FromBytes(Convert.FromBase64String(grantee.UmbralPublicKey));
        var uploads = new List<KfragUploadItem>();
        foreach (var section in grantee.Sections)
        {
            var range = epochs?.Invoke(section) ?? AllEpochs(book.EpochOf(section));
            foreach (var epoch in range)
            {
                using var delegating = patientKeys.Sections.SecretKey(section.ToCode(), epoch);
                var kfrag = UmbralPre.GenerateKFrags(delegating, receivingKey, patientKeys.Signer, threshold: 1, shares: 1, signDelegatingKey: true, signReceivingKey: true).Single();
                uploads.Add(new KfragUploadItem(
                    section.ToCode(),
                    epoch,
                    grantee.GranteeUserId,
                    Convert.ToBase64String(delegating.PublicKey.ToCompressedBytes()),
                    Convert.ToBase64String(kfrag.ToBytes()),
                    WireInstant.Format(grantee.Start),
                    WireInstant.Format(grantee.End)));
            }
        }

        return uploads;
    }

    public static IEnumerable<uint> AllEpochs(uint current)
    {
        for (var epoch = GrantBook.FirstEpoch; epoch <= current; epoch++)
        {
            yield return epoch;
        }
    }
}
