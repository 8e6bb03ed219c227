import fs from 'node:fs';
import path from 'node:path';
import type { BenchFigure, BenchModule } from './bench-types';

/**
 * `npm run bench [-- MODULE_ID ...]`: runs each bench module, prints a table and writes
 * reports/bench.json. Modules are found by file name (src/bench/*.bench.ts), each exporting one
 * BenchModule; every figure carries the reference it was measured against in the same run.
 */
const only = process.argv.slice(2);
const benchDir = path.dirname(new URL(import.meta.url).pathname);
const files = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

const modules: BenchModule[] = [];
for (const file of files) {
  const exported = (await import(path.join(benchDir, file))) as Record<string, unknown>;
  for (const value of Object.values(exported)) {
    if (value && typeof value === 'object' && 'id' in value && 'run' in value) modules.push(value as BenchModule);
  }
}

const results: { module: string; figures: BenchFigure[]; error?: string }[] = [];
for (const module of modules.filter((m) => only.length === 0 || only.includes(m.id))) {
  process.stderr.write(`\n▶ ${module.id}\n`);
  try {
    const figures = await module.run((message) => process.stderr.write(`  ${message}\n`));
    results.push({ module: module.id, figures });
  } catch (error) {
    process.stderr.write(`  failed: ${error instanceof Error ? error.message : String(error)}\n`);
    results.push({ module: module.id, figures: [], error: String(error) });
  }
}

const report = {
  created_at: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  results,
};
fs.mkdirSync('reports', { recursive: true });
fs.writeFileSync('reports/bench.json', `${JSON.stringify(report, null, 2)}\n`);

const fmt = (n: number | undefined) =>
  n === undefined ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
const rows = results.flatMap((r) =>
  r.figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.reference ? `${f.reference.name}: ${fmt(f.reference.value)} ${f.reference.unit}` : '',
    fmt(f.ratio),
    f.target ?? '',
    f.pass === undefined ? '' : f.pass ? 'yes' : 'NO',
  ]),
);
const header = ['figure', 'value', 'reference (same run)', 'ratio', 'target', 'met'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(
  `\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n\nwritten: reports/bench.json\n`,
);
if (results.some((r) => r.error)) process.exitCode = 1;
