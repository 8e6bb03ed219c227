/**
 * Forecast benchmark: inference for 10,000 SKU × region rows (target < 1 s) and training the
 * NB-MLP on the shipped simulated history (target < 60 s), each next to a reference measured in
 * the same run (the baseline model on the same rows; feature building for the same history).
 */
import { readFile } from 'node:fs/promises';
import type { BenchFigure, BenchModule } from './bench-types';
import { createBaselineModel } from '../modules/forecast/core/baseline-model';
import { buildLabelledRows } from '../modules/forecast/core/dataset';
import { HistoryIndex } from '../modules/forecast/core/features';
import type { FeatureRow } from '../modules/forecast/core/forecast-types';
import { SHIPPED_MODEL_ID } from '../modules/forecast/core/model-registry';
import { trainNbMlp } from '../modules/forecast/core/nb-mlp-model';
import { simulateHistory, type SimulatedHistory } from '../modules/forecast/core/simulate-history';
import { ensureTf } from '../modules/forecast/core/tf-runtime';
import { fileModelStorage } from '../modules/forecast/model-files';
import { loadNbModel } from '../modules/forecast/model-folder';
import { parseSimulatedHistory } from '../modules/forecast/training-history';

const HISTORY_PATH = 'data/history/simulated-history.json';
const INFERENCE_ROWS = 10_000;

async function loadHistory(): Promise<SimulatedHistory> {
  try {
    return parseSimulatedHistory(JSON.parse(await readFile(HISTORY_PATH, 'utf8')));
  } catch {
    return simulateHistory();
  }
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

export const forecastBench: BenchModule = {
  id: 'forecast',
  async run(progress) {
    await ensureTf();
    const history = await loadHistory();
    const drops = [...history.drops].sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt));

    progress('forecast: building features');
    let t = performance.now();
    const data = buildLabelledRows(drops, new HistoryIndex(drops));
    const featureSeconds = seconds(t);
    const rows: FeatureRow[] = data.rows.slice(-INFERENCE_ROWS);

    progress('forecast: inference on 10,000 rows');
    const model = await loadNbModel(fileModelStorage, `models/${SHIPPED_MODEL_ID}`).catch(async () =>
      trainNbMlp({ rows: data.rows, demand: data.demand }, { epochs: 2 }, { createdAt: new Date().toISOString() }),
    );
    model.predict(rows.slice(0, 100)); // warm-up
    t = performance.now();
    const out = model.predict(rows);
    const inferSeconds = seconds(t);
    model.dispose();
    const baseline = createBaselineModel(drops);
    baseline.predict(rows.slice(0, 100));
    t = performance.now();
    baseline.predict(rows);
    const baselineSeconds = seconds(t);

    progress('forecast: training on the shipped history');
    t = performance.now();
    const trained = await trainNbMlp(
      { rows: data.rows, demand: data.demand },
      {},
      { createdAt: new Date().toISOString() },
    );
    const trainSeconds = seconds(t);
    const epochs = trained.metadata.config.epochs;
    trained.dispose();

    const figures: BenchFigure[] = [
      {
        name: 'forecast.nb_mlp_inference_10k_rows',
        value: inferSeconds,
        unit: 's',
        reference: { name: 'forecast.baseline_inference_10k_rows', value: baselineSeconds, unit: 's' },
        ratio: inferSeconds / Math.max(baselineSeconds, 1e-9),
        target: '< 1 s',
        pass: inferSeconds < 1 && out.length === rows.length,
        note: `${rows.length} rows, NB quantiles included; ratio = nb-mlp / baseline time (lower is better)`,
      },
      {
        name: 'forecast.nb_mlp_train_shipped_history',
        value: trainSeconds,
        unit: 's',
        reference: { name: 'forecast.feature_build_shipped_history', value: featureSeconds, unit: 's' },
        ratio: trainSeconds / Math.max(featureSeconds, 1e-9),
        target: '< 60 s',
        pass: trainSeconds < 60,
        note: `${data.rows.length} rows × ${epochs} epochs, wasm backend; ratio = training / feature-building time`,
      },
    ];
    return figures;
  },
};
