/**
 * Generate the simulated drop history: `npm run simulate-history [-- --seed N --drops N --regions N --out PATH]`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simulateHistory, summariseHistory } from '../modules/forecast/core/simulate-history';

export const DEFAULT_HISTORY_PATH = 'data/history/simulated-history.json';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      drops: { type: 'string' },
      regions: { type: 'string' },
      creators: { type: 'string' },
      out: { type: 'string', default: DEFAULT_HISTORY_PATH },
    },
  });
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const history = simulateHistory({
    ...(values.seed !== undefined && { seed: num(values.seed) }),
    ...(values.drops !== undefined && { drops: num(values.drops) }),
    ...(values.regions !== undefined && { regions: num(values.regions) }),
    ...(values.creators !== undefined && { creators: num(values.creators) }),
  });
  const out = resolve(values.out as string);
  await mkdir(dirname(out), { recursive: true });
  const json = JSON.stringify(history);
  await writeFile(out, json);
  const s = summariseHistory(history);
  console.log(
    `wrote ${out} (${(json.length / 1e6).toFixed(1)} MB): ${s.drops} drops, ${s.creators} creators, ` +
      `${s.regions} regions, ${s.cells} SKU×region cells, ${s.totalDemand} units, ${s.firstOpen} … ${s.lastClose}`,
  );
}

await main();
