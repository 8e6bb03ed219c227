import { describe, expect, it } from 'vitest';
import { planAllocation, planAllocationFast } from '../../../../src/modules/allocation/core/plan-allocation';
import { prepareInstance } from '../../../../src/modules/allocation/core/plan-instance';
import { splitByInboundCost } from '../../../../src/modules/allocation/core/plan-report';
import type { AllocationInput, HubInput } from '../../../../src/modules/allocation/core/plan-types';
import { baseInput, supplier } from './allocation-factory';

const hub = (hubId: string, capacityUnits: number, regionId: string): HubInput => ({
  hubId,
  capacityUnits,
  handlingDays: 0,
  lanes: [{ regionId, transitDaysMin: 1, transitDaysMax: 1 }],
});

/** Demand far above what can be placed, so every unit the hubs and suppliers allow is placed. */
const plenty = (skuId: string, regionId: string) => ({
  skuId,
  regionId,
  demand: { kind: 'negative-binomial' as const, mean: 500, dispersion: 0.01 },
});

describe('supplier units go to hubs by inbound cost', () => {
  it('reference case (Powerco, Winston, Operations Research §7.1): 3 suppliers × 4 hubs at the least freight, 1,020', () => {
    // supplies 35/50/40, hub needs 45/20/30/30, freight per unit:
    //   P1: 8 6 10 9   P2: 9 12 13 7   P3: 14 9 16 5   → least total freight 1,020
    const hubs = ['C1', 'C2', 'C3', 'C4'].map((id) => hub(id, 100, `R-${id}`));
    const freight = [
      [8, 6, 10, 9],
      [9, 12, 13, 7],
      [14, 9, 16, 5],
    ];
    const byHub = freight.map((row) => Object.fromEntries(row.map((cost, i) => [hubs[i]!.hubId, cost])));
    const prepared = prepareInstance(baseInput({ hubs }));
    const need = [45, 20, 30, 30];
    const split = splitByInboundCost(prepared, [35, 50, 40], byHub, [0, 1, 2, 3], need);
    let cost = 0;
    split.forEach((row, f) => row.forEach((units, i) => (cost += units * freight[f]![i]!)));
    expect(cost).toBe(1020);
    split.forEach((row, f) => expect(row.reduce((a, b) => a + b, 0)).toBe([35, 50, 40][f]));
    need.forEach((n, i) => expect(split.reduce((sum, row) => sum + row[i]!, 0)).toBe(n));
  });

  it('sends each supplier to the hub it reaches cheaply, not in hub-id order (freight 20 instead of 100)', () => {
    // Primary (10 units) costs 5 to H1 and 1 to H2; the fallback (10) the reverse. Hub-id order
    // would ship the primary to H1 and the fallback to H2 (freight 100); by cost: 20.
    const input: AllocationInput = baseInput({
      hubs: [hub('H1', 10, 'R1'), hub('H2', 10, 'R2')],
      skus: [
        {
          skuId: 'S',
          sourcing: [
            supplier({ supplierId: 'P', unitsAvailable: 10, inboundFreightPerUnitByHub: { H1: 5, H2: 1 } }),
            supplier({
              supplierId: 'F',
              unitsAvailable: 10,
              unitCost: 10,
              inboundFreightPerUnitByHub: { H1: 1, H2: 5 },
            }),
          ],
        },
      ],
      demand: [plenty('S', 'R1'), plenty('S', 'R2')],
      economics: { valuePerFastUnit: 30, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 },
    });
    const plan = planAllocationFast(input);
    const lines = plan.supplierOrders.flatMap((o) => o.lines);
    expect(lines.map((l) => `${l.supplierId}→${l.destinationHubId}:${l.quantity}`).sort()).toEqual([
      'F→H1:10',
      'P→H2:10',
    ]);
  });
});

describe('supplier capacity by date: partial deliveries', () => {
  const dated = (units: number[]) =>
    baseInput({
      hubs: [hub('H1', 200, 'R1')],
      skus: [
        {
          skuId: 'S',
          sourcing: [
            supplier({
              supplierId: 'P',
              leadTimeDaysMin: 3,
              leadTimeDaysMax: 3,
              capacityUnits: 1_000,
              // ready on Mar 2, Mar 6 and Mar 13; opening Mar 15, lead time 3 days
              capacityByDate: [
                { date: '2025-03-02T00:00:00.000Z', units: units[0]! },
                { date: '2025-03-06T00:00:00.000Z', units: units[1]! },
                { date: '2025-03-13T00:00:00.000Z', units: units[2]! },
              ],
            }),
          ],
        },
      ],
      demand: [plenty('S', 'R1')],
    });

  it('counts only the dates that arrive before opening (30 + 30 of 90) and delivers them in two parts', async () => {
    for (const solver of ['fast', 'lp'] as const) {
      const plan = await planAllocation(dated([30, 30, 30]), { solver, lpScenarioCount: 50 });
      expect(plan.totals.unitsPlaced).toBe(60);
      const lines = plan.supplierOrders.flatMap((o) => o.lines);
      expect(lines.map((l) => [l.quantity, l.shipBy.slice(0, 10), l.arriveBy.slice(0, 10)])).toEqual([
        [30, '2025-03-02', '2025-03-05'],
        [30, '2025-03-06', '2025-03-09'],
      ]);
    }
  });

  it('draws the earliest date first when less is needed, and shares the dates over the SKUs of one supplier', () => {
    const input = dated([30, 30, 0]);
    input.hubs = [hub('H1', 25, 'R1'), hub('H2', 25, 'R2')];
    input.skus.push({ skuId: 'T', sourcing: [{ ...input.skus[0]!.sourcing[0]! }] });
    input.demand = [plenty('S', 'R1'), plenty('T', 'R2')];
    const plan = planAllocationFast(input);
    const lines = plan.supplierOrders.flatMap((o) => o.lines);
    expect(
      lines.map((l) => `${l.skuId}@${l.destinationHubId}:${l.quantity} arrives ${l.arriveBy.slice(0, 10)}`),
    ).toEqual(['S@H1:25 arrives 2025-03-05', 'T@H2:5 arrives 2025-03-05', 'T@H2:20 arrives 2025-03-09']);
  });

  it('a supplier whose every date is too late is not used (the SKU says no supplier before opening)', () => {
    const input = dated([0, 0, 50]);
    const plan = planAllocationFast(input);
    expect(plan.totals.unitsPlaced).toBe(0);
    expect(plan.skuIssues.map((i) => i.reason)).toContain('no-supplier-before-opening');
  });
});
