// report.mjs - turns one run of run-crypto.sh (BenchmarkDotNet JSON + the Node reference JSON +
// machine facts) into benchmarks/results/crypto-<date>.md: targets, the Umbral ratio table,
// Geralt against NSec, and every C# median.
//
// Usage: node report.mjs <machine.json> <reference.json> <BenchmarkDotNet results dir> <out.md>
import fs from 'fs';
import { loadBdn, ratioMarkdown } from './umbral-reference/ratio.mjs';

const [machineFile, referenceFile, bdnDir, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node report.mjs <machine.json> <reference.json> <BenchmarkDotNet results dir> <out.md>');
  process.exit(2);
}
const machine = JSON.parse(fs.readFileSync(machineFile, 'utf8'));
const reference = JSON.parse(fs.readFileSync(referenceFile, 'utf8'));
const bdn = loadBdn(bdnDir);
const busy = (m) => {
  if (m.busyCpuSeconds == null) return 'not recorded';
  const other = Math.max(0, m.busyCpuSeconds - m.ownCpuSeconds);
  return `both cores together were busy ${m.busyCpuSeconds} of ${m.totalCpuSeconds} CPU-seconds; this run's own processes used ${m.ownCpuSeconds}, ` +
    `other work on the machine about ${other} (${((100 * other) / Math.max(1, m.totalCpuSeconds)).toFixed(0)} % of the machine). ` +
    `sched_autogroup = ${m.schedAutogroup}, so niceness could not give this run priority over other work.`;
};
const ms = (x) => (x == null || Number.isNaN(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.01 ? x.toFixed(3) : x.toFixed(5));
const find = (type, name) => bdn.find((b) => b.type === type && b.name === name);
const { rows: ratios, markdown: ratioTable } = ratioMarkdown(reference, bdn);

// The targets of the crypto benchmarks.
const worst = ratios.reduce((a, b) => (b.ratio > (a?.ratio ?? -1) ? b : a), null);
const slower = ratios.filter((r) => r.ratio > 1);
const seal = find('EnvelopeBenchmarks', 'envelope seal 2 MiB');
const open = find('EnvelopeBenchmarks', 'envelope open 2 MiB');
const keys = find('UmbralKeyBenchmarks', 'keygen x10000 (both cores)');
const keysOne = find('UmbralKeyBenchmarks', 'keygen x10000 (one thread)');
const yes = (ok) => (ok ? 'yes' : '**no**');
const targets = [
  '| target | measured (median) | met? |',
  '| --- | --- | :---: |',
  ratios.length
    ? `| every Umbral operation no slower than the reference WASM (ratio ≤ 1) | ${ratios.length - slower.length} of ${ratios.length} operations; worst ${worst.name} at ${worst.ratio.toFixed(2)} | ${yes(slower.length === 0)} |`
    : '| every Umbral operation no slower than the reference WASM | not measured | **no** |',
  ratios.length
    ? `| stretch: every Umbral operation at ≤ 0.5× the reference | ${ratios.filter((r) => r.ratio <= 0.5).length} of ${ratios.length} | ${yes(ratios.every((r) => r.ratio <= 0.5))} |`
    : '',
  seal ? `| 2 MiB envelope seal < 5 ms | ${ms(seal.medianMs)} ms (p90 ${ms(seal.p90Ms)}) | ${yes(seal.medianMs < 5)} |` : '| 2 MiB envelope seal < 5 ms | not measured (no envelope benchmark in this build) | **no** |',
  open ? `| 2 MiB envelope open < 5 ms | ${ms(open.medianMs)} ms (p90 ${ms(open.p90Ms)}) | ${yes(open.medianMs < 5)} |` : '| 2 MiB envelope open < 5 ms | not measured (no envelope benchmark in this build) | **no** |',
  keys ? `| 10,000 Umbral key pairs on both cores < 0.5 s | ${ms(keys.medianMs)} ms (one thread: ${ms(keysOne?.medianMs)} ms) | ${yes(keys.medianMs < 500)} |` : '| 10,000 key pairs < 0.5 s | not measured | **no** |',
].filter(Boolean);

// Geralt against NSec: same libsodium underneath, so this compares the bindings.
const bindings = ['| operation | Geralt median | NSec median | NSec / Geralt | SeSPHR.Crypto wrapper median |', '| --- | ---: | ---: | ---: | ---: |'];
for (const size of ['1 KiB', '50 KB', '1 MiB', '2 MiB']) {
  for (const op of ['seal', 'open']) {
    const g = find('AeadBenchmarks', `Geralt ${op} ${size}`);
    const n = find('AeadBenchmarks', `NSec ${op} ${size}`);
    const s = find('AeadBenchmarks', `SeSPHR.Crypto ${op} ${size}`);
    if (g && n) bindings.push(`| XChaCha20-Poly1305 ${op} ${size} | ${ms(g.medianMs)} ms | ${ms(n.medianMs)} ms | ${(n.medianMs / g.medianMs).toFixed(2)} | ${ms(s?.medianMs)} ms |`);
  }
  const fresh = find('AeadBenchmarks', `NSec seal, fresh key ${size}`);
  if (fresh) bindings.push(`| NSec seal with a key imported per message, ${size} | | ${ms(fresh.medianMs)} ms | | |`);
}
const ga = find('PasswordBenchmarks', 'Geralt Argon2id 64 MiB t=3');
const na = find('PasswordBenchmarks', 'NSec Argon2id 64 MiB t=3');
if (ga && na) bindings.push(`| Argon2id 64 MiB, t=3, p=1 | ${ms(ga.medianMs)} ms | ${ms(na.medianMs)} ms | ${(na.medianMs / ga.medianMs).toFixed(2)} | |`);

const all = [];
for (const type of [...new Set(bdn.map((b) => b.type))]) {
  all.push(`### ${type}`, '', '| benchmark | median ms | p90 ms | allocated |', '| --- | ---: | ---: | ---: |');
  for (const b of bdn.filter((x) => x.type === type)) {
    const alloc = b.allocatedBytes == null ? 'n/a' : b.allocatedBytes >= 1 << 20 ? `${(b.allocatedBytes / (1 << 20)).toFixed(1)} MiB` : b.allocatedBytes >= 1024 ? `${(b.allocatedBytes / 1024).toFixed(1)} KiB` : `${b.allocatedBytes} B`;
    all.push(`| ${b.name} | ${ms(b.medianMs)} | ${ms(b.p90Ms)} | ${alloc} |`);
  }
  all.push('');
}

const host = bdn[0]?.host ?? {};
const doc = `# Crypto benchmarks, ${machine.date}

Produced by \`benchmarks/run-crypto.sh\`: BenchmarkDotNet for the C# side, then
\`benchmarks/umbral-reference/reference-bench.mjs\` for ${reference.info.package} in Node, in the same run on the same machine.

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores; ${machine.memory} memory; kernel ${machine.kernel}
- .NET: ${host.RuntimeVersion ?? machine.dotnetRuntime} (SDK ${host.DotNetCliVersion ?? 'n/a'}), ${host.Configuration ?? ''} build; ${machine.dotnetRuntime}
- Node: ${machine.node}; ${reference.info.package}
- BenchmarkDotNet ${host.BenchmarkDotNetVersion ?? ''}, job "Short": 1 process, 3 warm-up and 10 measured iterations of about 250 ms, 1 call per step; medians.
- Load average (1/5/15 min) before the run: ${machine.loadBefore}; after: ${machine.loadAfter}. This is a shared 2-core machine:
  other builds and tests may have run at the same time, and such load slows the both-cores benchmark most.
- CPU during the run: ${busy(machine)}
- Wall time of the whole run: ${machine.wallSeconds ?? 'n/a'} s.

## Targets

${targets.join('\n')}

## Umbral: C# against the reference WASM build

${ratioTable}

## libsodium bindings: Geralt against NSec

${bindings.join('\n')}

## Every C# benchmark

${all.join('\n')}`;
fs.writeFileSync(outFile, doc);
console.log(outFile);
