/**
 * Which model serves forecasts by default. The tfjs NB-MLP is the default only if its last
 * time-ordered backtest (recorded in its metadata by `npm run backtest`) beat the baseline's
 * pooled scaled pinball loss, and only if it loads cleanly; otherwise the baseline serves.
 */
import { createBaselineModel, type BaselineOptions } from './baseline-model';
import type { ClosedDrop, DemandModel } from './forecast-types';
import { ModelLoadError } from './model-errors';
import type { NbMlpMetadata } from './nb-mlp-model';

/** The shipped prior model, trained on the simulated history. */
export const DEFAULT_MODEL_ID = 'nb-mlp-v1';
export const DEFAULT_MODEL_DIR = `models/${DEFAULT_MODEL_ID}`;

export type DefaultModelChoice = 'nb-mlp' | 'baseline';

/** Pure decision from metadata: nb-mlp only with a recorded backtest that beats the baseline. */
export function chooseDefaultModel(metadata: Pick<NbMlpMetadata, 'backtest'> | null | undefined): DefaultModelChoice {
  const bt = metadata?.backtest;
  if (!bt) return 'baseline';
  const nb = bt.pooled['nb-mlp']?.scaledPinball;
  const base = bt.pooled.baseline?.scaledPinball;
  return bt.beatsBaseline && nb !== undefined && base !== undefined && nb < base ? 'nb-mlp' : 'baseline';
}

export interface DefaultModel {
  model: DemandModel;
  choice: DefaultModelChoice;
  /** why the baseline serves, when it does */
  reason?: string;
}

/**
 * Load the default model: the NB-MLP in `modelDir` when the registry rule allows it, else the
 * baseline built from `history` (a corrupt or incompatible model file falls back, with the reason).
 */
export async function loadDefaultModel(
  modelDir: string,
  history: readonly ClosedDrop[],
  baselineOptions: BaselineOptions = {},
): Promise<DefaultModel> {
  const baseline = (reason: string): DefaultModel => ({
    model: createBaselineModel(history, baselineOptions),
    choice: 'baseline',
    reason,
  });
  try {
    // Loaded on demand so that importing the registry does not pull TensorFlow.js into memory.
    const { loadNbModel } = await import('./model-store');
    const nb = await loadNbModel(modelDir);
    if (chooseDefaultModel(nb.metadata) === 'nb-mlp') return { model: nb, choice: 'nb-mlp' };
    nb.dispose();
    return baseline('the model has no backtest that beats the baseline');
  } catch (err) {
    if (err instanceof ModelLoadError) return baseline(`${err.code}: ${err.message}`);
    throw err;
  }
}
