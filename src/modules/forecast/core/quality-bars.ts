/**
 * The forecast's quality bars, checked by `npm run backtest` on two histories at every lead
 * (7, 3 and 1 days before opening). Pure: it reads two backtest results.
 *
 * 1. The shipped simulated history: the model's scaled pinball and coverage80 must not get worse
 *    than the figures recorded before the learning-loop work (`SHIPPED_REFERENCE`), within
 *    `PINBALL_TOLERANCE` / `COVERAGE_TOLERANCE` (seed-level noise of a refit).
 * 2. The same drops with social switched off: the model must beat the baseline's scaled pinball by
 *    at least `NO_SOCIAL_MIN_GAIN`.
 */
import type { BacktestResult } from './backtest';
import { LEAD_TIMES } from './forecast-types';

/** Shipped history, per lead: model scaled pinball and coverage80 measured on 2026-12-02 with nb-mlp-v2, the model v3 replaced (the bar: not worse than it). */
export const SHIPPED_REFERENCE: Record<string, { model: number; coverage80: number }> = {
  '7': { model: 0.0695, coverage80: 0.835 },
  '3': { model: 0.0563, coverage80: 0.838 },
  '1': { model: 0.053, coverage80: 0.83 },
};
export const PINBALL_TOLERANCE = 0.0002;
export const COVERAGE_TOLERANCE = 0.005;
/** On a history without social signals the model must beat the baseline by this share. */
export const NO_SOCIAL_MIN_GAIN = 0.2;

export interface QualityCheck {
  value: number;
  limit: number;
  pass: boolean;
}

/** Figures of one lead: scaled pinball of baseline and model, coverage80, the model's gain. */
export function leadFigures(result: BacktestResult, lead: string) {
  const at = result.byLead[lead];
  const model = at?.['nb-mlp'];
  const baseline = at?.baseline;
  if (!model || !baseline) throw new RangeError(`the backtest has no figures at ${lead} days`);
  return {
    baseline: baseline.scaledPinball,
    model: model.scaledPinball,
    coverage80: model.coverage80,
    oracle_coverage80: at.oracle?.coverage80 ?? null,
    gain_vs_baseline: 1 - model.scaledPinball / baseline.scaledPinball,
  };
}

/** Every check, named `<history>_<figure>_<lead>d`, and whether all pass. */
export function checkQualityBars(
  shipped: BacktestResult,
  noSocial: BacktestResult,
): { checks: Record<string, QualityCheck>; pass: boolean } {
  const checks: Record<string, QualityCheck> = {};
  for (const lead of LEAD_TIMES.map(String)) {
    const ref = SHIPPED_REFERENCE[lead] as { model: number; coverage80: number };
    const a = leadFigures(shipped, lead);
    const b = leadFigures(noSocial, lead);
    const pinballLimit = Number((ref.model + PINBALL_TOLERANCE).toFixed(4));
    const coverageLimit = Number((ref.coverage80 - COVERAGE_TOLERANCE).toFixed(3));
    checks[`shipped_model_pinball_${lead}d`] = { value: a.model, limit: pinballLimit, pass: a.model <= pinballLimit };
    checks[`shipped_coverage80_${lead}d`] = {
      value: a.coverage80,
      limit: coverageLimit,
      pass: a.coverage80 >= coverageLimit,
    };
    checks[`no_social_gain_vs_baseline_${lead}d`] = {
      value: b.gain_vs_baseline,
      limit: NO_SOCIAL_MIN_GAIN,
      pass: b.gain_vs_baseline >= NO_SOCIAL_MIN_GAIN,
    };
  }
  return { checks, pass: Object.values(checks).every((c) => c.pass) };
}
