/**
 * Train a forecast model:
 *
 *   npm run train [-- --creator-id ID --from ISO --to ISO --prior-weight W --epochs N --folds N]
 *   npm run train -- --history FILE [--format csv|json] [--prior-weight W]
 *   npm run train -- --shipped        (regenerate the shipped prior model, a tracked artifact)
 *
 * By default it learns from the database's demand_history (imported history and the service's own
 * closed drops), optionally one creator's or a date range, optionally with the shipped simulated
 * history mixed in at `--prior-weight`; `--history FILE` learns from a file in the documented import
 * format (the same validation as import-history; nothing is imported) or a simulated history. Each
 * run backtests its model time-ordered on the same drops and saves it to a new folder in
 * TRAINED_MODELS_DIR (var/models); it becomes the default only if its backtest beats the baseline
 * and the current default. Fewer than 20 drops: refused (exit 1) naming the count.
 *
 * `--shipped` trains on data/history/simulated-history.json into models/<SHIPPED_MODEL_ID>, the
 * model shipped in git: run it deliberately when the feature set or the recipe changes, and commit
 * the folder with the figures it prints.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../http/app-error';
import { SHIPPED_MODEL_ID } from '../modules/forecast/core/model-registry';
import { trainWithBacktest, TooFewDropsError } from '../modules/forecast/core/training';
import { historyFormatOf, readHistoryFileDrops } from '../modules/forecast/history-import';
import { fileModelStorage } from '../modules/forecast/model-files';
import { saveNbModel } from '../modules/forecast/model-folder';
import { inlineTrainingExecutor } from '../modules/forecast/model-training';
import { DEFAULT_PRIOR_WEIGHT, type TrainSpec } from '../modules/forecast/model-registry.service';
import { DEFAULT_PRIOR_HISTORY_PATH, readPriorHistory } from '../modules/forecast/training-history';
import { exitOnHelp, withServices } from './cli-context';
import { createCliProgress } from './progress';

function exit(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

exitOnHelp(
  'usage: npm run train [-- --creator-id ID --from ISO --to ISO --prior-weight W --epochs N --folds N]\n' +
    '       npm run train -- --history FILE [--format csv|json] [--prior-weight W]\n' +
    '       npm run train -- --shipped',
);
const { values } = parseArgs({
  options: {
    'creator-id': { type: 'string' },
    // the earlier name of --creator-id
    creator: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'prior-weight': { type: 'string' },
    history: { type: 'string' },
    format: { type: 'string' },
    epochs: { type: 'string' },
    folds: { type: 'string' },
    shipped: { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined, check: (n: number) => boolean) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!check(n)) exit(`--${name} must be a valid number (got ${v})`, 2);
  return n;
};
const isoOf = (name: string, v: string | undefined) => {
  if (v !== undefined && Number.isNaN(Date.parse(v))) exit(`--${name} must be an ISO 8601 instant (got ${v})`, 2);
  return v ? new Date(v).toISOString() : null;
};
const epochs = num('epochs', values.epochs, (n) => Number.isInteger(n) && n >= 1);
const folds = num('folds', values.folds, (n) => Number.isInteger(n) && n >= 1);
const priorWeight = num('prior-weight', values['prior-weight'], (n) => n >= 0 && n <= 10) ?? DEFAULT_PRIOR_WEIGHT;
const config = epochs !== undefined ? { epochs } : {};
const started = performance.now();

async function trainShipped(): Promise<void> {
  const history = await readPriorHistory(DEFAULT_PRIOR_HISTORY_PATH);
  const drops = history.drops;
  const progress = createCliProgress('train (shipped)');
  try {
    const { model, result } = await trainWithBacktest(
      {
        targets: drops,
        context: [],
        prior: [],
        priorWeight: 0,
        describe: {
          source: 'simulated',
          file: DEFAULT_PRIOR_HISTORY_PATH,
          filters: { creatorId: null, from: null, to: null },
          // Trained on the simulated drops alone; at serving the registry adds the service's own
          // closed drops to this population (see populationOf in model-registry.service.ts).
          population: { demandHistory: false, prior: true },
        },
      },
      {
        modelId: SHIPPED_MODEL_ID,
        createdAt: new Date().toISOString(),
        config,
        ...(folds !== undefined && { folds }),
        onProgress: (f, m) => progress.update(f, m),
        stopwatch: () => performance.now(),
      },
    );
    progress.stop();
    const meta = await saveNbModel(model, fileModelStorage, resolve('models', SHIPPED_MODEL_ID));
    model.dispose();
    const l3 = result.byLead['3'];
    console.log(
      `saved models/${SHIPPED_MODEL_ID}: ${meta.training.drops} drops, ${meta.training.rows} rows, best epoch ` +
        `${meta.training.bestEpoch}; backtest at 3 days: nb-mlp ${l3?.['nb-mlp']?.scaledPinball.toFixed(4)}, ` +
        `baseline ${l3?.baseline?.scaledPinball.toFixed(4)}, coverage80 ${l3?.['nb-mlp']?.coverage80.toFixed(3)}`,
    );
  } finally {
    progress.stop();
  }
}

async function trainFromData(): Promise<void> {
  let spec: TrainSpec;
  if (values.history) {
    const file = values.history;
    const format = values.format ?? historyFormatOf(file);
    if (format !== 'csv' && format !== 'json') exit(`--format must be csv or json (got ${format})`, 2);
    let text: string;
    try {
      text = await readFile(resolve(file), 'utf8');
    } catch (error) {
      exit(`cannot read ${file}: ${(error as Error).message}`);
    }
    spec = { source: { kind: 'file', file, drops: await readHistoryFileDrops(text, format) }, priorWeight, config };
  } else {
    spec = {
      source: {
        kind: 'demand_history',
        selection: {
          creatorId: values['creator-id'] ?? values.creator ?? null,
          from: isoOf('from', values.from),
          to: isoOf('to', values.to),
        },
      },
      priorWeight,
      config,
    };
  }
  if (folds !== undefined) spec.folds = folds;
  const progress = createCliProgress('train');
  const outcome = await withServices(
    (services) => services.models.train(spec, { onProgress: (f, m) => progress.update(f, m), chosenBy: 'cli:train' }),
    { trainingExecutor: inlineTrainingExecutor },
  ).finally(() => progress.stop());
  const pct = (x: number | null) => (x === null ? '–' : x.toFixed(4));
  const prior = outcome.prior_drops ? ` + ${outcome.prior_drops} simulated at weight ${priorWeight}` : '';
  console.log(
    `saved ${outcome.model_dir} (${outcome.training_drops} drops${prior}); ` +
      `backtest scaled pinball: model ${pct(outcome.scaled_pinball)}, baseline ${pct(outcome.baseline_scaled_pinball)}` +
      (outcome.incumbent_scaled_pinball !== null ? `, current default ${pct(outcome.incumbent_scaled_pinball)}` : ''),
  );
  console.log(
    outcome.became_default
      ? `${outcome.model_id} is now the default model (${outcome.decision})`
      : `the default stays ${outcome.default_model_id}: ${outcome.decision}`,
  );
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
}

try {
  await (values.shipped ? trainShipped() : trainFromData());
} catch (error) {
  if (error instanceof TooFewDropsError) exit(`not trained: ${error.message}`);
  if (error instanceof AppError) {
    const lines = (error.options.errors ?? []).slice(0, 20).map((e) => `  ${e.path}: ${e.message}`);
    exit([`not trained: ${error.detail}`, ...lines].join('\n'));
  }
  throw error;
}
