// reference-bench.mjs - times @nucypher/umbral-pre 0.10.0 (the WASM build of rust-umbral) in Node on
// the operations that SeSPHR.Benchmarks' UmbralBenchmarks times in C#, under the same names, so
// ratio.mjs can divide one median by the other. Modelled on shared/vectors/umbral/bench.mjs: real OS
// randomness, warm-up, then per-call wall time with process.hrtime; reports median / p10 / p90 / min.
//
// Usage: node reference-bench.mjs <node_modules dir> <output.json> [iterations=200]
import { createRequire } from 'module';
import fs from 'fs';
import os from 'os';
import path from 'path';

const [modulesDir, outFile, iterArg] = process.argv.slice(2);
if (!modulesDir || !outFile) {
  console.error('usage: node reference-bench.mjs <node_modules dir> <output.json> [iterations]');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modulesDir), 'noop.js'));
const umbral = require('@nucypher/umbral-pre');
const pkg = require('@nucypher/umbral-pre/package.json');

const ITER = Number(iterArg || 200);
const WARMUP = 10;
const SIZES = [['1 KiB', 1024], ['50 KB', 50_000], ['1 MiB', 1 << 20], ['2 MiB', 2 << 20]];
const data = (n) => new Uint8Array(n).map((_, i) => (i * 7) & 0xff);

const alice = umbral.SecretKey.fromBEBytes(new Uint8Array(32).fill(0x11));
const bob = umbral.SecretKey.fromBEBytes(new Uint8Array(32).fill(0x22));
const signerSk = umbral.SecretKey.fromBEBytes(new Uint8Array(32).fill(0x33));
const signer = new umbral.Signer(signerSk);
const alicePk = alice.publicKey(), bobPk = bob.publicKey(), signerPk = signerSk.publicKey();
const free = (x) => { if (Array.isArray(x)) x.forEach(free); else if (x && typeof x.free === 'function') x.free(); };

function bench(name, fn, iterations = ITER, warmup = WARMUP) {
  for (let i = 0; i < warmup; i++) fn();
  const t = [];
  for (let i = 0; i < iterations; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  const q = (p) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
  const r = { name, median_ms: q(0.5), p10_ms: q(0.1), p90_ms: q(0.9), min_ms: t[0], iterations };
  console.error(`${name}: ${r.median_ms.toFixed(3)} ms`);
  return r;
}

const results = [];
results.push(bench('keygen', () => { const k = umbral.SecretKey.random(); const p = k.publicKey(); free([k, p]); }));
for (const [label, n] of SIZES) {
  const pt = data(n);
  const [cap, ct] = umbral.encrypt(alicePk, pt);
  const iterations = n > 100_000 ? Math.min(ITER, 60) : ITER;
  results.push(bench(`encrypt ${label}`, () => { const [c] = umbral.encrypt(alicePk, pt); c.free(); }, iterations));
  results.push(bench(`decryptOriginal ${label}`, () => umbral.decryptOriginal(alice, cap, ct), iterations));
  cap.free();
}
results.push(bench('generateKFrags 1-of-1', () => free(umbral.generateKFrags(alice, bobPk, signer, 1, 1, true, true))));
results.push(bench('generateKFrags 2-of-3', () => free(umbral.generateKFrags(alice, bobPk, signer, 2, 3, true, true))));

const [capK] = umbral.encrypt(alicePk, data(1024));
const kfrags = umbral.generateKFrags(alice, bobPk, signer, 2, 3, true, true);
results.push(bench('reencrypt', () => umbral.reencrypt(capK, kfrags[0]).free()));
const cfragBytes = umbral.reencrypt(capK, kfrags[0]).toBytes();
// CapsuleFrag.verify takes ownership of its object (wasm-bindgen self), so each call parses a fresh one.
results.push(bench('cfrag fromBytes+verify', () => umbral.CapsuleFrag.fromBytes(cfragBytes).verify(capK, signerPk, alicePk, bobPk).free()));
// Opened with 2 cfrags of the 2-of-3 set, as the C# UmbralSizedBenchmarks do.
for (const [label, n] of SIZES) {
  const [cap, ct] = umbral.encrypt(alicePk, data(n));
  const cfrags = [umbral.reencrypt(cap, kfrags[0]), umbral.reencrypt(cap, kfrags[1])];
  const iterations = n > 100_000 ? Math.min(ITER, 60) : ITER;
  results.push(bench(`decryptReencrypted ${label}`, () => umbral.decryptReencrypted(bob, alicePk, cap, cfrags, ct), iterations));
  free([cap, cfrags]);
}
results.push(bench('keygen x10000 (one thread)', () => {
  for (let i = 0; i < 10_000; i++) { const k = umbral.SecretKey.random(); const p = k.publicKey(); free([k, p]); }
}, 3, 1));

const info = {
  package: `${pkg.name}@${pkg.version}`, node: process.version, cpu: os.cpus()[0].model, cores: os.cpus().length,
  iterations: ITER, warmup: WARMUP, date: new Date().toISOString(),
};
fs.writeFileSync(outFile, JSON.stringify({ info, results }, null, 2));
