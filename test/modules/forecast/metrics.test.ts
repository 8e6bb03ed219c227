import { describe, expect, it } from 'vitest';
import { coverage, pinball, scaledPinball, scoreForecasts, wape } from '../../../src/modules/forecast/core/metrics';

describe('forecast metrics', () => {
  it('pinball loss weighs under- and over-forecasts by tau and 1 - tau', () => {
    expect(pinball(10, 8, 0.9)).toBeCloseTo(1.8, 12);
    expect(pinball(8, 10, 0.9)).toBeCloseTo(0.2, 12);
    expect(pinball(5, 5, 0.3)).toBe(0);
  });

  it('WAPE is the sum of absolute median errors over total demand', () => {
    // (2 + 1 + 0) / 15
    expect(wape([10, 0, 5], [8, 1, 5])).toBeCloseTo(0.2, 12);
    expect(Number.isNaN(wape([0, 0], [1, 1]))).toBe(true);
  });

  it('scaled pinball matches a hand-computed two-row example', () => {
    // row 1: y=10, q=[2..14]: 0.4+0.6+1+1+0+0.2+0.2 = 3.4; row 2: y=0: 0.5+0.25+0.2+0.15 = 1.1
    const q = [
      [2, 4, 6, 8, 10, 12, 14],
      [0, 0, 0, 1, 1, 2, 3],
    ];
    expect(scaledPinball([10], [q[0] as number[]])).toBeCloseTo(3.4 / 70, 12);
    expect(scaledPinball([10, 0], q)).toBeCloseTo(4.5 / 70, 12);
  });

  it('coverage80 counts demand inside the closed interval', () => {
    expect(coverage([1, 5, 9, 3], [0, 6, 2, 3], [2, 8, 9, 3])).toBe(0.75);
  });

  it('scoreForecasts reads q0.5 for WAPE and [q0.1, q0.9] for coverage', () => {
    const s = scoreForecasts(
      [10, 0],
      [
        { mean: 8, quantiles: [2, 4, 6, 8, 10, 12, 14] },
        { mean: 1, quantiles: [0, 0, 0, 1, 1, 2, 3] },
      ],
    );
    expect(s.wape).toBeCloseTo(3 / 10, 12);
    expect(s.scaledPinball).toBeCloseTo(4.5 / 70, 12);
    expect(s.coverage80).toBe(1);
    expect(s.totalDemand).toBe(10);
  });
});
