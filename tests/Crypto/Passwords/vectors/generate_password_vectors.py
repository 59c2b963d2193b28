#!/usr/bin/env python3
"""Independent known answers for src/Crypto/Passwords (README.md there is the spec).

Written from the README alone with pyca/cryptography (Argon2id, HKDF, IETF ChaCha20-Poly1305) and
a few lines of HChaCha20 for XChaCha20-Poly1305, so the C# code is checked against a second
implementation, not against itself. Run: python3 generate_password_vectors.py > password-vectors.json
"""
import hashlib
import json
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    def rotl(v, c):
        return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))

    def qr(s, a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 7)

    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        qr(s, 0, 4, 8, 12); qr(s, 1, 5, 9, 13); qr(s, 2, 6, 10, 14); qr(s, 3, 7, 11, 15)
        qr(s, 0, 5, 10, 15); qr(s, 1, 6, 11, 12); qr(s, 2, 7, 8, 13); qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


# draft-irtf-cfrg-xchacha-03 section 2.2.1, HChaCha20 test vector
assert hchacha20(bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")).hex() == \
    "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"


def xchacha20poly1305_seal(key: bytes, nonce24: bytes, plaintext: bytes, aad: bytes) -> bytes:
    subkey = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(subkey).encrypt(b"\x00" * 4 + nonce24[16:], plaintext, aad)


def vector(name, password, user_id, salt, m, t, secret_keys, nonce):
    uid = user_id.encode("utf-8")
    argon_salt = hashlib.sha256(lp(b"SeSPHR/password/argon2id-salt/v1") + lp(uid) + lp(salt)).digest()[:16]
    master = Argon2id(salt=argon_salt, length=32, iterations=t, lanes=1, memory_cost=m).derive(password.encode("utf-8"))

    def hkdf(label):
        return HKDF(hashes.SHA256(), 32, salt, lp(label) + lp(uid)).derive(master)

    auth = hkdf(b"SeSPHR/password/authentication-secret/v1")
    wrap = hkdf(b"SeSPHR/password/wrapping-key/v1")
    header = b"SPKB" + bytes([1]) + struct.pack(">III", m, t, 1) + salt + nonce
    aad = lp(b"SeSPHR/key-backup/v1") + header + lp(uid)
    blob = header + xchacha20poly1305_seal(wrap, nonce, secret_keys, aad)
    return {
        "name": name, "password": password, "user_id": user_id, "salt": salt.hex(),
        "memory_kib": m, "iterations": t, "parallelism": 1,
        "secret_keys": secret_keys.hex(), "nonce": nonce.hex(),
        "argon2id_salt": argon_salt.hex(), "authentication_secret": auth.hex(), "blob": blob.hex(),
    }


vectors = [
    vector("ascii password, test cost", "correct horse battery staple", "alice",
           bytes(range(16)), 256, 2, bytes((i * 37 + 11) & 0xFF for i in range(96)), bytes(range(100, 124))),
    vector("non-ascii password and user id, empty payload", "pässwört ✓ 密码", "urn:uuid:6f1c9e2a-7d0b-4c55-9a8e-1b2c3d4e5f60/ünï",
           bytes([0xA5] * 16), 64, 1, b"", bytes([0x5A] * 24)),
    vector("production cost 64 MiB, 3 passes", "Tr0ub4dor&3 but longer", "patient-0001",
           bytes(range(200, 216)), 64 * 1024, 3, bytes(range(64)), bytes(range(24))),
]
print(json.dumps({
    "source": "tests/Crypto/Passwords/vectors/generate_password_vectors.py (pyca/cryptography, independent of the C# code)",
    "vectors": vectors,
}, indent=2, ensure_ascii=False))
