/**
 * Generate a simulated drop history:
 * `npm run simulate-history [-- --seed N --drops N --regions N --creators N --no-social --out PATH]`.
 * `--no-social` records no social signal at all (the same drops, demand and pre-orders otherwise):
 * a history like a shop's that tracks no social channels, for the backtest's second quality check.
 * `--as-import` writes the documented import format instead (CSV when PATH ends in .csv, else a
 * JSON array of rows): a file `npm run import-history` and `npm run train -- --history` read.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simulateHistory, summariseHistory } from '../modules/forecast/core/simulate-history';
import { dropsToHistoryRows } from '../modules/forecast/history-import';
import { DEFAULT_PRIOR_HISTORY_PATH } from '../modules/forecast/training-history';
import { exitOnHelp } from './cli-context';

/** RFC 4180 CSV with the union of the rows' columns (absent values empty). */
function toCsv(rows: Record<string, string | number>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) =>
    v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

const USAGE = `usage: npm run simulate-history [-- --no-social --as-import --out FILE --seed N --drops N --regions N --creators N]
  regenerates the simulated history (fixed seed) used as the forecast's prior`;

async function main(): Promise<void> {
  exitOnHelp(USAGE);
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      drops: { type: 'string' },
      regions: { type: 'string' },
      creators: { type: 'string' },
      'no-social': { type: 'boolean', default: false },
      'as-import': { type: 'boolean', default: false },
      out: { type: 'string', default: DEFAULT_PRIOR_HISTORY_PATH },
    },
  });
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const history = simulateHistory({
    ...(values.seed !== undefined && { seed: num(values.seed) }),
    ...(values.drops !== undefined && { drops: num(values.drops) }),
    ...(values.regions !== undefined && { regions: num(values.regions) }),
    ...(values.creators !== undefined && { creators: num(values.creators) }),
    ...(values['no-social'] && { social: false }),
  });
  const out = resolve(values.out as string);
  await mkdir(dirname(out), { recursive: true });
  let json = JSON.stringify(history);
  if (values['as-import']) {
    const rows = dropsToHistoryRows(history.drops);
    json = out.endsWith('.csv') ? toCsv(rows) : JSON.stringify(rows);
  }
  await writeFile(out, json);
  const s = summariseHistory(history);
  console.log(
    `wrote ${out} (${(json.length / 1e6).toFixed(1)} MB): ${s.drops} drops, ${s.creators} creators, ` +
      `${s.regions} regions, ${s.cells} SKU×region cells, ${s.totalDemand} units, ${s.firstOpen} … ${s.lastClose}` +
      (values['no-social'] ? ', no social signals' : ''),
  );
}

await main();
