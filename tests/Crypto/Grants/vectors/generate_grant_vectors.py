"""Known answers for src/Crypto/Grants/README.md (grant statement v2), written from the format
document alone with Python's hashlib and hmac, as a second implementation to check the C# one."""
import hashlib
import hmac
import json
import struct

G = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"   # secp256k1 G
G2 = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"  # 2G


def lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def entry_bytes(fp: bytes, gid: str, g: dict) -> bytes:
    out = b"SPGE" + b"\x02" + fp + lp(gid.encode()) + lp(g["section"].encode()) + bytes([g["actions"]])
    out += struct.pack(">q", g["start"])
    out += b"\x00" if g["end"] is None else b"\x01" + struct.pack(">q", g["end"])
    return out


def build(case: dict) -> dict:
    key = bytes.fromhex(case["salt_key"])
    number = case["number"]
    entries = []
    for grantee in sorted(case["grantees"], key=lambda x: bytes.fromhex(x["fingerprint"])):
        for g in sorted(grantee["grants"], key=lambda x: x["section"].encode()):
            entries.append((grantee["fingerprint"], g["section"], entry_bytes(bytes.fromhex(grantee["fingerprint"]), grantee["id"], g)))
    width = 16
    while width < len(entries):
        width *= 2
    leaves = []
    for fp, section, e in entries:
        salt = hmac.new(key, lp(b"SeSPHR/grant-salt/v2") + struct.pack(">q", number) + e, hashlib.sha256).digest()
        leaf = hashlib.sha256(b"\x00" + lp(b"SeSPHR/grant-leaf/v2") + salt + e).digest()
        leaves.append((leaf, (fp, section, e, salt)))
    for i in range(len(entries), width):
        pad = hmac.new(key, lp(b"SeSPHR/grant-padding/v2") + struct.pack(">q", number) + struct.pack(">i", i), hashlib.sha256).digest()
        leaves.append((pad, None))
    leaves.sort(key=lambda x: x[0])
    levels = [[leaf for leaf, _ in leaves]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([hashlib.sha256(b"\x01" + lp(b"SeSPHR/grant-node/v2") + below[2 * i] + below[2 * i + 1]).digest()
                       for i in range(len(below) // 2)])
    root = levels[-1][0]
    header = b"SPGS" + b"\x02" + lp(case["patient_id"].encode()) + struct.pack(">Q", number) + struct.pack(">q", case["issued_at"])
    sections = sorted(case["sections"], key=lambda s: s["code"].encode())
    header += struct.pack(">I", len(sections))
    for s in sections:
        header += lp(s["code"].encode()) + struct.pack(">I", s["epoch"]) + bytes.fromhex(s["public_key"])
    header += struct.pack(">I", width) + root
    openings = []
    for index, (_, meta) in enumerate(leaves):
        if meta is None:
            continue
        fp, section, e, salt = meta
        path, i = [], index
        for depth in range(len(levels) - 1):
            path.append(levels[depth][i ^ 1])
            i >>= 1
        opening = b"SPGO" + b"\x02" + lp(e) + salt + struct.pack(">I", index) + bytes([len(path)]) + b"".join(path)
        openings.append({"fingerprint": fp, "section": section, "leaf": leaves[index][0].hex(), "opening": opening.hex()})
    openings.sort(key=lambda o: (bytes.fromhex(o["fingerprint"]), o["section"].encode()))
    return dict(case, width=width, root=root.hex(), header=header.hex(), openings=openings)


def fingerprint(n: int) -> str:
    return hashlib.sha256(b"test fingerprint %d" % n).hexdigest()


T = 1764082800000  # 2025-11-25T15:00:00Z
small = {
    "name": "three entries, padded to 16",
    "patient_id": "patient-0001", "number": 5, "issued_at": T, "salt_key": "11" * 32,
    "sections": [{"code": "vitals", "epoch": 3, "public_key": G}, {"code": "medical", "epoch": 0, "public_key": G2}],
    "grantees": [
        {"id": "practitioner-7", "fingerprint": fingerprint(1), "grants": [
            {"section": "vitals", "actions": 3, "start": T, "end": None},
            {"section": "medical", "actions": 1, "start": T, "end": T + 30 * 86400000}]},
        {"id": "insurer-2", "fingerprint": fingerprint(2), "grants": [
            {"section": "medical", "actions": 1, "start": T - 86400000, "end": T + 86400000}]},
    ],
}
large = {
    "name": "seventeen entries, padded to 32",
    "patient_id": "3f0c9a52-7e1d-4c55-9a0e-0d1b2c3d4e5f", "number": 42, "issued_at": T + 1, "salt_key": "a5" * 32,
    "sections": [{"code": "vitals", "epoch": 7, "public_key": G2}],
    "grantees": [{"id": "grantee-%02d" % n, "fingerprint": fingerprint(100 + n),
                  "grants": [{"section": "vitals", "actions": 1 + n % 3, "start": T, "end": None if n % 2 else T + n + 1}]}
                 for n in range(17)],
}
with open("grant-vectors.json", "w") as f:
    json.dump({"format": "src/Crypto/Grants/README.md, version 2", "vectors": [build(small), build(large)]}, f, indent=1)
    f.write("\n")
