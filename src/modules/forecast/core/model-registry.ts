/**
 * Which models exist and which one serves by default: pure rules over model metadata and the
 * registry's log of choices (the service stores both; see model-registry.service.ts).
 *
 * - A model may serve only with a recorded backtest that beats the baseline (`servable`).
 * - The default is the last choice in the log (promote, pin, roll back, or a training run that
 *   earned it); with no choice yet, the shipped prior model.
 * - A pinned default is not replaced by training runs, only by an admin's explicit choice.
 */
import type { NbMlpMetadata } from './nb-mlp-model';

/** The shipped prior model, trained on the simulated history (tracked in git under models/). */
export const SHIPPED_MODEL_ID = 'nb-mlp-v3';
/** A forecast request may name these instead of a model id. */
export const BASELINE_MODEL_NAME = 'baseline';
export const DEFAULT_MODEL_NAME = 'default';
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type ServableVerdict = { ok: true } | { ok: false; reason: string };

/** An NB-MLP serves only with a recorded backtest that beat the baseline's pooled scaled pinball. */
export function servable(metadata: Pick<NbMlpMetadata, 'backtest'> | null | undefined): ServableVerdict {
  const bt = metadata?.backtest;
  if (!bt) return { ok: false, reason: 'it has no recorded backtest' };
  const nb = bt.pooled['nb-mlp']?.scaledPinball;
  const base = bt.pooled.baseline?.scaledPinball;
  if (bt.beatsBaseline && nb !== undefined && base !== undefined && nb < base) return { ok: true };
  return { ok: false, reason: 'its backtest does not beat the baseline' };
}

export type ChoiceAction = 'promote' | 'pin' | 'unpin' | 'rollback' | 'trained';

/** One entry of the registry's log: the default from then on. */
export interface DefaultChoice {
  seq: number;
  model_id: string;
  action: ChoiceAction;
  pinned: boolean;
  reason: string;
  chosen_by: string;
  chosen_at: string;
}

/** The current default: the latest choice, else the shipped model. */
export function currentDefault(log: readonly DefaultChoice[]): { modelId: string; pinned: boolean } {
  const last = log.at(-1);
  return last ? { modelId: last.model_id, pinned: last.pinned } : { modelId: SHIPPED_MODEL_ID, pinned: false };
}

/**
 * The default before the current one, for a roll back: walking the log backwards, the first model
 * different from the current default (the shipped model when there is none).
 */
export function previousDefault(log: readonly DefaultChoice[]): string | null {
  const current = currentDefault(log).modelId;
  for (let i = log.length - 2; i >= 0; i--) if (log[i]!.model_id !== current) return log[i]!.model_id;
  return current === SHIPPED_MODEL_ID ? null : SHIPPED_MODEL_ID;
}
