/**
 * Time-ordered backtest, as JSON figures: `npm run backtest [-- --history FILE --folds 3 --epochs N --seed N --out PATH]`.
 *
 * Without `--history` it runs the two quality checks of the forecast:
 *   1. the shipped simulated history (data/history/simulated-history.json): the figures at 7, 3 and
 *      1 days must not get worse than the recorded reference (scaled pinball of the model, coverage80);
 *   2. the same simulated drops with social switched off (generated here, `social: false`): the
 *      model must beat the baseline's scaled pinball by at least 20 % at every lead.
 * (The bars: `core/quality-bars.ts`.)
 * With `--history FILE` (import format CSV/JSON, or a simulated history) it backtests that file.
 * Writes reports/backtest.json (git-ignored; nothing tracked changes) and exits 1 when a check fails.
 * Progress: a bar on a terminal, a line every 5 s otherwise.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBacktest, type BacktestResult } from '../modules/forecast/core/backtest';
import type { ClosedDrop } from '../modules/forecast/core/forecast-types';
import {
  checkQualityBars,
  leadFigures,
  NO_SOCIAL_MIN_GAIN,
  SHIPPED_REFERENCE,
} from '../modules/forecast/core/quality-bars';
import { simulateHistory } from '../modules/forecast/core/simulate-history';
import { historyFormatOf, readHistoryFileDrops } from '../modules/forecast/history-import';
import { DEFAULT_PRIOR_HISTORY_PATH, readPriorHistory } from '../modules/forecast/training-history';
import { createCliProgress } from './progress';
import { exitOnHelp } from './cli-context';

export function formatBacktestTable(result: BacktestResult): string {
  const lines = ['lead  model      rows     WAPE    sPinball  cov80'];
  const row = (
    lead: string,
    m: string,
    s: { rows: number; wape: number; scaledPinball: number; coverage80: number },
  ): string =>
    `${lead.padEnd(5)} ${m.padEnd(9)} ${String(s.rows).padStart(6)}  ${s.wape.toFixed(4)}  ${s.scaledPinball.toFixed(4)}    ${s.coverage80.toFixed(3)}`;
  const leads = Object.keys(result.byLead).sort((a, b) => Number(b) - Number(a));
  for (const L of leads) for (const m of result.models) lines.push(row(`${L}d`, m, result.byLead[L]![m]!));
  for (const m of result.models) lines.push(row('all', m, result.pooled[m]!));
  return lines.join('\n');
}

async function backtest(label: string, drops: ClosedDrop[], opts: { folds: number; epochs?: number; seed?: number }) {
  const progress = createCliProgress(`backtest ${label}`);
  const started = performance.now();
  try {
    const result = await runBacktest(
      { targets: drops, population: drops },
      {
        folds: opts.folds,
        nbConfig: { ...(opts.epochs && { epochs: opts.epochs }), ...(opts.seed !== undefined && { seed: opts.seed }) },
        createdAt: new Date().toISOString(),
        stopwatch: () => performance.now(),
        onProgress: (e) => {
          const within = e.train
            ? ((e.train.epoch - 1) * e.train.batches + e.train.batch) / (e.train.epochs * e.train.batches)
            : 0;
          progress.update(
            (Math.max(0, e.fold - 1) + within) / opts.folds,
            e.train
              ? `fold ${e.fold}/${e.folds} epoch ${e.train.epoch}/${e.train.epochs}`
              : `${e.phase} fold ${e.fold}/${e.folds}`,
          );
        },
      },
    );
    progress.stop();
    console.log(`\n${label} (${result.testDrops} test drops, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.log(formatBacktestTable(result));
    return result;
  } finally {
    progress.stop();
  }
}

/** Per lead ("7", "3", "1"): baseline and model scaled pinball, coverage80, the model's gain. */
const figuresByLead = (r: BacktestResult) =>
  Object.fromEntries(Object.keys(r.byLead).map((lead) => [lead, leadFigures(r, lead)]));

const USAGE = `usage: npm run backtest [-- --history FILE [--format csv|json]] [--folds N] [--epochs N] [--out FILE]
  time-ordered backtest at 7, 3 and 1 days before opening; JSON in reports/backtest.json; exit 1 when a quality bar is missed`;

async function main(): Promise<void> {
  exitOnHelp(USAGE);
  const { values } = parseArgs({
    options: {
      history: { type: 'string' },
      format: { type: 'string' },
      folds: { type: 'string', default: '3' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string', default: 'reports/backtest.json' },
    },
  });
  const opts = {
    folds: Number(values.folds),
    ...(values.epochs && { epochs: Number(values.epochs) }),
    ...(values.seed && { seed: Number(values.seed) }),
  };
  const out = resolve(values.out as string);
  await mkdir(dirname(out), { recursive: true });
  const evaluatedAt = new Date().toISOString();

  if (values.history) {
    const file = values.history;
    const format = values.format ?? historyFormatOf(file);
    if (format !== 'csv' && format !== 'json') throw new Error(`--format must be csv or json (got ${format})`);
    const drops = await readHistoryFileDrops(await readFile(resolve(file), 'utf8'), format);
    const result = await backtest(file, drops, opts);
    await writeFile(
      out,
      JSON.stringify({ evaluatedAt, history: file, figures: figuresByLead(result), result }, null, 2),
    );
    console.log(`wrote ${out}`);
    return;
  }

  const shipped = await readPriorHistory(DEFAULT_PRIOR_HISTORY_PATH);
  const withSocial = await backtest('shipped simulated history', shipped.drops, opts);
  const noSocial = simulateHistory({ ...shipped.config, social: false });
  const withoutSocial = await backtest('the same drops without social signals', noSocial.drops, opts);

  const { checks, pass } = checkQualityBars(withSocial, withoutSocial);
  await writeFile(
    out,
    JSON.stringify(
      {
        evaluatedAt,
        reference: { shipped: SHIPPED_REFERENCE, no_social_min_gain: NO_SOCIAL_MIN_GAIN },
        figures: { shipped: figuresByLead(withSocial), no_social: figuresByLead(withoutSocial) },
        checks,
        pass,
        results: { shipped: withSocial, no_social: withoutSocial },
      },
      null,
      2,
    ),
  );
  console.log(
    '\nquality bars at 7, 3 and 1 days before opening (scaled pinball lower is better, coverage80 and gain higher):',
  );
  for (const [name, c] of Object.entries(checks))
    console.log(`  ${c.pass ? '✓' : '✗'} ${name}: ${c.value.toFixed(4)} (limit ${c.limit})`);
  console.log(`wrote ${out}`);
  if (!pass) process.exitCode = 1;
}

await main();
