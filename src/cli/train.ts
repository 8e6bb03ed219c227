/**
 * Train the global NB-MLP on the whole simulated history and save it:
 * `npm run train [-- --history PATH --model-dir models/nb-mlp-v1 --epochs N --seed N]`.
 * The backtest scores (and the default-model decision) are added by `npm run backtest`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { buildLabelledRows } from '../modules/forecast/core/dataset';
import { HistoryIndex } from '../modules/forecast/core/features';
import { readNbMetadata, saveNbModel } from '../modules/forecast/core/model-store';
import { DEFAULT_MODEL_DIR, DEFAULT_MODEL_ID } from '../modules/forecast/core/model-registry';
import { trainNbMlp } from '../modules/forecast/core/nb-mlp-model';
import { parseSimulatedHistory, summariseHistory } from '../modules/forecast/core/simulate-history';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: 'string', default: 'data/history/simulated-history.json' },
      'model-dir': { type: 'string', default: DEFAULT_MODEL_DIR },
      id: { type: 'string', default: DEFAULT_MODEL_ID },
      epochs: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const started = performance.now();
  const history = parseSimulatedHistory(JSON.parse(await readFile(resolve(values.history as string), 'utf8')));
  const drops = [...history.drops].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt));
  const data = buildLabelledRows(drops, new HistoryIndex(drops));
  const summary = summariseHistory(history);
  console.log(
    `history: ${summary.drops} drops, ${summary.regions} regions, ${data.rows.length} rows (SKU × region × lead)`,
  );
  const bar = new cliProgress.SingleBar(
    {
      format: 'train [{bar}] {percentage}% | epoch {epoch}/{epochs} | NB NLL {loss} | {eta_formatted} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let barStarted = false;
  const model = await trainNbMlp(
    {
      rows: data.rows,
      demand: data.demand,
      summary: { drops: summary.drops, firstOpen: summary.firstOpen, lastClose: summary.lastClose },
    },
    {
      ...(values.epochs !== undefined && { epochs: Number(values.epochs) }),
      ...(values.seed !== undefined && { seed: Number(values.seed) }),
    },
    (p) => {
      const total = p.epochs * p.batches;
      const done = (p.epoch - 1) * p.batches + p.batch;
      if (!barStarted) {
        bar.start(total, 0, { epoch: 1, epochs: p.epochs, loss: '-' });
        barStarted = true;
      }
      bar.update(done, { epoch: p.epoch, epochs: p.epochs, loss: p.loss.toFixed(4) });
    },
    values.id as string,
  );
  bar.stop();
  const dir = resolve(values['model-dir'] as string);
  const previous = await readNbMetadata(dir).catch(() => null);
  // A backtest scores the training recipe, not one fit: keep it when the recipe is unchanged.
  const sameRecipe = previous && JSON.stringify(previous.config) === JSON.stringify(model.metadata.config);
  model.metadata.backtest = sameRecipe ? (previous?.backtest ?? null) : null;
  const meta = await saveNbModel(model, dir);
  model.dispose();
  console.log(
    `saved ${dir}: best epoch ${meta.training.bestEpoch}/${meta.config.epochs}, train NLL ${meta.training.trainLoss}, ` +
      `validation NLL ${meta.training.validationLoss}, fit ${meta.training.seconds}s, total ${((performance.now() - started) / 1000).toFixed(1)}s` +
      (meta.backtest ? '' : ' — run `npm run backtest` to score it and make it the default'),
  );
}

await main();
