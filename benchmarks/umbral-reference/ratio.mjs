// ratio.mjs - divides each C# (BenchmarkDotNet) median by the reference (@nucypher/umbral-pre WASM)
// median of the operation with the same name, and writes the table as markdown.
//
// Usage: node ratio.mjs <reference.json> <BenchmarkDotNet results dir> <out.md>
// Also imported by ../report.mjs. C# names are the benchmark's Description plus " <Size>" when it has one.
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

/** Every benchmark in the *-report-full.json files of a BenchmarkDotNet results folder. */
export function loadBdn(dir) {
  const rows = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('-report-full.json')).sort()) {
    const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const b of report.Benchmarks) {
      const size = /(?:^|, )Size=([^,]+)/.exec(b.Parameters || '')?.[1];
      const title = b.MethodTitle.replace(/^'|'$/g, '');
      rows.push({
        type: b.Type,
        title,
        size,
        name: size ? `${title} ${size}` : title,
        medianMs: b.Statistics ? b.Statistics.Median / 1e6 : NaN,
        minMs: b.Statistics ? b.Statistics.Min / 1e6 : NaN,
        p90Ms: b.Statistics ? b.Statistics.Percentiles.P90 / 1e6 : NaN,
        allocatedBytes: b.Memory?.BytesAllocatedPerOperation ?? null,
        host: report.HostEnvironmentInfo,
      });
    }
  }
  return rows;
}

/** One row per reference operation that has a C# counterpart. */
export function ratioRows(reference, bdn) {
  const umbral = bdn.filter((b) => b.type.startsWith('Umbral'));
  return reference.results.flatMap((r) => {
    const cs = umbral.find((b) => b.name === r.name);
    return cs
      ? [{ name: r.name, csMs: cs.medianMs, csP90Ms: cs.p90Ms, refMs: r.median_ms, refP90Ms: r.p90_ms, ratio: cs.medianMs / r.median_ms, minRatio: cs.minMs / r.min_ms }]
      : [];
  });
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));

export function ratioMarkdown(reference, bdn) {
  const rows = ratioRows(reference, bdn);
  const lines = [
    `C# median / reference median; below 1 means C# is faster. Reference: ${reference.info.package} on Node ${reference.info.node}, ` +
      `${reference.info.iterations} timed calls after ${reference.info.warmup} warm-up (fewer for 1 MiB and up), real OS randomness. ` +
      'The ratio of the fastest C# iteration to the fastest reference call is beside it: load from other processes only ever adds time, so ' +
      'on a busy machine it is the steadier comparison (a C# iteration averages many calls, so it tends to favour the reference).',
    '',
    '| operation | C# median ms | C# p90 ms | reference median ms | reference p90 ms | ratio of medians | no slower? | ratio of minimums |',
    '| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${ms(r.csMs)} | ${ms(r.csP90Ms)} | ${ms(r.refMs)} | ${ms(r.refP90Ms)} | ${r.ratio.toFixed(2)} | ${r.ratio <= 1 ? 'yes' : '**no**'} | ${Number.isFinite(r.minRatio) ? r.minRatio.toFixed(2) : 'n/a'} |`),
  ];
  const missing = reference.results.filter((r) => !rows.some((x) => x.name === r.name)).map((r) => r.name);
  if (missing.length) lines.push('', `No C# counterpart measured for: ${missing.join(', ')}.`);
  return { rows, markdown: lines.join('\n') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [refFile, bdnDir, outFile] = process.argv.slice(2);
  if (!refFile || !bdnDir || !outFile) {
    console.error('usage: node ratio.mjs <reference.json> <BenchmarkDotNet results dir> <out.md>');
    process.exit(2);
  }
  const reference = JSON.parse(fs.readFileSync(refFile, 'utf8'));
  const { markdown } = ratioMarkdown(reference, loadBdn(bdnDir));
  fs.writeFileSync(outFile, `# Umbral: C# against ${reference.info.package}\n\nRun ${reference.info.date} on ${reference.info.cpu}, ${reference.info.cores} cores.\n\n${markdown}\n`);
  console.log(outFile);
}
