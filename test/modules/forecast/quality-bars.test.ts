import { describe, expect, it } from 'vitest';
import type { BacktestResult } from '../../../src/modules/forecast/core/backtest';
import type { ForecastScores } from '../../../src/modules/forecast/core/metrics';
import { checkQualityBars } from '../../../src/modules/forecast/core/quality-bars';

const scores = (scaledPinball: number, coverage80 = 0.84): ForecastScores =>
  ({ wape: 0.3, scaledPinball, coverage80, rows: 100 }) as ForecastScores;

/** A backtest result with the given (baseline, model) scaled pinball at 7, 3 and 1 days. */
function result(byLead: Record<'7' | '3' | '1', [number, number]>): BacktestResult {
  return {
    models: ['baseline', 'nb-mlp'],
    byLead: Object.fromEntries(
      Object.entries(byLead).map(([lead, [baseline, model]]) => [
        lead,
        { baseline: scores(baseline), 'nb-mlp': scores(model) },
      ]),
    ),
    pooled: { baseline: scores(0.09), 'nb-mlp': scores(0.06) },
    beatsBaseline: true,
    folds: [],
    testDrops: 10,
    incumbent: null,
  };
}

const shippedOk = result({ '7': [0.1078, 0.068], '3': [0.0844, 0.0563], '1': [0.0786, 0.052] });

describe('quality bars of npm run backtest', () => {
  it('pass when both histories meet their bars at every lead', () => {
    const noSocial = result({ '7': [0.1, 0.075], '3': [0.08, 0.06], '1': [0.08, 0.063] });
    const { pass, checks } = checkQualityBars(shippedOk, noSocial);
    expect(pass).toBe(true);
    expect(Object.keys(checks)).toHaveLength(9);
  });

  it('fail when the no-social gain is under 20 % at one day even though 3 days meets it', () => {
    const noSocial = result({ '7': [0.1078, 0.0816], '3': [0.0844, 0.0658], '1': [0.0786, 0.0657] });
    const { pass, checks } = checkQualityBars(shippedOk, noSocial);
    expect(checks['no_social_gain_vs_baseline_3d']!.pass).toBe(true);
    expect(checks['no_social_gain_vs_baseline_1d']).toMatchObject({ pass: false, limit: 0.2 });
    expect(pass).toBe(false);
  });

  it('fail when the shipped history gets worse at seven days', () => {
    const shipped = result({ '7': [0.1078, 0.071], '3': [0.0844, 0.0563], '1': [0.0786, 0.052] });
    const noSocial = result({ '7': [0.1, 0.075], '3': [0.08, 0.06], '1': [0.08, 0.063] });
    const { pass, checks } = checkQualityBars(shipped, noSocial);
    expect(checks['shipped_model_pinball_7d']).toMatchObject({ value: 0.071, pass: false });
    expect(pass).toBe(false);
  });
});
