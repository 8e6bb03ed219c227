import { describe, expect, it } from 'vitest';
import { planAllocation } from '../../../../src/modules/allocation/core';
import { randomInstance } from './allocation-factory';

describe('the plan names its solver, whether it is certified, its gap bound and why it ran', () => {
  const pooled = randomInstance(7, { skus: 2, hubs: 3, regionsPerHub: 3, scenarios: 40, overlapping: true });
  const single = randomInstance(7, { skus: 2, hubs: 3, regionsPerHub: 3, scenarios: 40 });

  it('auto with pooled regions and a small LP: the LP, certified, and the reason says so', async () => {
    const plan = await planAllocation(pooled, {});
    expect(plan.solver.name).toBe('highs-sample-average-lp');
    expect(plan.solver.certified).toBe(true);
    expect(plan.solver.gapBound).not.toBeNull();
    expect(plan.solver.choiceReason).toMatch(/^auto: \d+ region\(s\) have several hubs.*: LP$/);
  });

  it('auto when the LP is too large: the fast path, and the reason names the LP size and its limit', async () => {
    const plan = await planAllocation(pooled, { lpMaxScenarioCells: 10 });
    expect(plan.solver.name).toMatch(/^fast/);
    expect(plan.solver.choiceReason).toMatch(/would need \d+ scenario cells \(limit 10\): fast allocator/);
  });

  it('auto with one hub per region: the fast allocator, exact there', async () => {
    const plan = await planAllocation(single, {});
    expect(plan.solver.name).toMatch(/^fast/);
    expect(plan.solver.certified).toBe(true);
    expect(plan.solver.gapBound).toBe(0);
    expect(plan.solver.choiceReason).toMatch(/at most one hub within the promise/);
  });

  it('an explicit request says it was requested', async () => {
    expect((await planAllocation(single, { solver: 'fast' })).solver.choiceReason).toBe('fast allocator requested');
    expect((await planAllocation(single, { solver: 'lp' })).solver.choiceReason).toBe('LP requested');
  });
});
