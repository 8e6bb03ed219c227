/**
 * Time-ordered backtest: `npm run backtest [-- --history PATH --model-dir models/nb-mlp-v1 --folds 3]`.
 * Prints WAPE, scaled pinball and coverage80 per model and lead time, writes reports/backtest.json
 * and records the scores (and whether the tfjs model beats the baseline) in the model's metadata.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { BACKTEST_MODELS, runBacktest, toBacktestRecord, type BacktestResult } from '../modules/forecast/core/backtest';
import { recordBacktest } from '../modules/forecast/core/model-store';
import { parseSimulatedHistory } from '../modules/forecast/core/simulate-history';
import { DEFAULT_MODEL_DIR } from '../modules/forecast/core/model-registry';

export function formatBacktestTable(result: BacktestResult): string {
  const lines = ['lead  model      rows     WAPE    sPinball  cov80'];
  const row = (
    lead: string,
    m: string,
    s: { rows: number; wape: number; scaledPinball: number; coverage80: number },
  ): string =>
    `${lead.padEnd(5)} ${m.padEnd(9)} ${String(s.rows).padStart(6)}  ${s.wape.toFixed(4)}  ${s.scaledPinball.toFixed(4)}    ${s.coverage80.toFixed(3)}`;
  const leads = Object.keys(result.byLead).sort((a, b) => Number(b) - Number(a));
  for (const L of leads)
    for (const m of BACKTEST_MODELS) lines.push(row(`${L}d`, m, (result.byLead[L] as BacktestResult['pooled'])[m]));
  for (const m of BACKTEST_MODELS) lines.push(row('all', m, result.pooled[m]));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: 'string', default: 'data/history/simulated-history.json' },
      'model-dir': { type: 'string', default: DEFAULT_MODEL_DIR },
      folds: { type: 'string', default: '3' },
      epochs: { type: 'string' },
      out: { type: 'string', default: 'reports/backtest.json' },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const history = parseSimulatedHistory(JSON.parse(await readFile(resolve(values.history as string), 'utf8')));
  const folds = Number(values.folds);
  const bar = new cliProgress.SingleBar(
    { format: 'backtest {phase} fold {fold}/{folds} [{bar}] {percentage}% | loss {loss}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  bar.start(1, 0, { phase: 'features', fold: 0, folds, loss: '-' });
  const started = performance.now();
  const result = await runBacktest(history, {
    folds,
    nbConfig: values.epochs ? { epochs: Number(values.epochs) } : {},
    onProgress: (e) => {
      if (e.train) {
        const steps = e.train.epochs * e.train.batches;
        if (total !== steps * folds) {
          total = steps * folds;
          bar.setTotal(total);
        }
        const done = (e.fold - 1) * steps + (e.train.epoch - 1) * e.train.batches + e.train.batch;
        bar.update(done, { phase: 'train', fold: e.fold, folds, loss: e.train.loss.toFixed(3) });
      } else {
        bar.update({ phase: e.phase, fold: e.fold, folds });
      }
    },
  });
  bar.update(total || 1);
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(formatBacktestTable(result));
  const l3 = result.byLead['3'];
  if (l3) {
    const gainVsBaseline = 1 - l3['nb-mlp'].scaledPinball / l3.baseline.scaledPinball;
    const gapToOracle = l3['nb-mlp'].scaledPinball / l3.oracle.scaledPinball - 1;
    console.log(
      `lead 3d: nb-mlp pinball ${(gainVsBaseline * 100).toFixed(1)}% below baseline, ${(gapToOracle * 100).toFixed(1)}% above oracle; ` +
        `coverage80 ${l3['nb-mlp'].coverage80.toFixed(3)} vs oracle ${l3.oracle.coverage80.toFixed(3)}`,
    );
  }
  console.log(
    `folds: ${result.folds.map((f) => `#${f.fold} train ${f.trainDrops} drops (${f.trainSeconds}s, best epoch ${f.bestEpoch}) → test ${f.testDrops}`).join('; ')}`,
  );
  console.log(
    `default model: ${result.beatsBaseline ? 'nb-mlp (beats baseline pinball)' : 'baseline'}; ${seconds.toFixed(1)} s`,
  );
  const evaluatedAt = new Date().toISOString();
  const out = resolve(values.out as string);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ evaluatedAt, history: values.history, seconds, ...result }, null, 2));
  console.log(`wrote ${out}`);
  if (!values['no-record']) {
    const recorded = await recordBacktest(
      resolve(values['model-dir'] as string),
      toBacktestRecord(result, evaluatedAt),
    );
    console.log(
      recorded
        ? `recorded backtest in ${values['model-dir']}/metadata.json`
        : `no model at ${values['model-dir']}; nothing recorded`,
    );
  }
}

await main();
