import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropEconomics, ECONOMICS_DEFAULTS, skuEconomics } from '../../../src/modules/allocation/plan-economics';
import {
  baselineDays,
  buildAllocationInput,
  capacityLeftByDate,
  demandMultiplier,
  findInconsistencies,
  firstOverbookedDate,
  scaleDemand,
  type CatalogSnapshot,
} from '../../../src/modules/allocation/plan-input';

const snapshot: CatalogSnapshot = {
  taken_at: '2026-11-23T12:00:00.000Z',
  drop: {
    id: 'd',
    creator_id: 'c',
    opens_at: '2026-12-03T17:00:00.000Z',
    closes_at: '2026-12-05T17:00:00.000Z',
    promise_business_days: 2,
    baseline: {
      source: 'warehouse',
      paths: [{ region_id: 'r1', handling_days: 2, transit_days_min: 3, transit_days_max: 5 }],
    },
  },
  skus: [
    {
      id: 's1',
      price: 60,
      unit_cost: 20,
      sourcing: [
        { supplier_id: 'p', units_available: 100, available_on: '2026-11-25' },
        { supplier_id: 'f', units_available: 50, available_on: '2026-11-25' },
      ],
    },
    {
      id: 's2',
      price: 10,
      unit_cost: 10,
      sourcing: [{ supplier_id: 'p', units_available: 10, available_on: '2026-11-25' }],
    },
  ],
  suppliers: [
    {
      id: 'p',
      kind: 'microfactory',
      lead_time_days_min: 1,
      lead_time_days_max: 2,
      capacity_units: 500,
      unit_cost: 20,
      min_order_units: 1,
      order_multiple: 1,
    },
    {
      id: 'f',
      kind: 'warehouse',
      lead_time_days_min: 1,
      lead_time_days_max: 2,
      capacity_units: 500,
      unit_cost: 25,
      min_order_units: 1,
      order_multiple: 1,
    },
  ],
  hubs: [
    {
      id: 'h',
      operator_partner_id: 'x',
      capacity_units: 80,
      handling_days: 0,
      lanes: [{ region_id: 'r1', transit_days_min: 1, transit_days_max: 2 }],
    },
  ],
  region_ids: ['r1'],
};

describe('plan economics', () => {
  it('values a fast unit at its margin, leftovers at 20% and holding at 1% of unit cost', () => {
    expect(ECONOMICS_DEFAULTS).toEqual({ leftoverCostShareOfUnitCost: 0.2, holdingCostShareOfUnitCost: 0.01 });
    expect(skuEconomics({ price: 60, unitCost: 20 })).toEqual({
      valuePerFastUnit: 40,
      leftoverCostPerUnit: 4,
      holdingCostPerUnit: 0.2,
    });
    expect(skuEconomics({ price: 5, unitCost: 10 }).valuePerFastUnit).toBe(-5);
  });

  it('weights SKUs by expected demand, and equally when there is none', () => {
    const e = dropEconomics([
      { price: 60, unitCost: 20, expectedDemand: 30 },
      { price: 10, unitCost: 10, expectedDemand: 10 },
    ]);
    expect(e.valuePerFastUnit).toBeCloseTo(30, 12);
    expect(e.leftoverCostPerUnit).toBeCloseTo(0.75 * 4 + 0.25 * 2, 12);
    expect(
      dropEconomics([
        { price: 60, unitCost: 20, expectedDemand: 0 },
        { price: 20, unitCost: 20, expectedDemand: 0 },
      ]).valuePerFastUnit,
    ).toBe(20);
  });
});

describe('planner input', () => {
  it('finds every reference the snapshot cannot resolve', () => {
    const errors = findInconsistencies(
      {
        ...snapshot,
        hubs: [{ ...snapshot.hubs[0]!, lanes: [{ region_id: 'ghost', transit_days_min: 0, transit_days_max: 1 }] }],
      },
      [{ sku_id: 'nope', region_id: 'r1', mean: 1, dispersion: 0 }],
      { hub_capacities: [{ hub_id: 'zz', capacity_units: 1 }], unavailable_supplier_ids: ['qq'] },
    );
    expect(errors.map((e) => e.path)).toEqual([
      'forecast.cells[0].sku_id',
      'hubs.h.lanes[0].region_id',
      'overrides.hub_capacities[0].hub_id',
      'overrides.unavailable_supplier_ids[0]',
    ]);
    expect(findInconsistencies(snapshot, [{ sku_id: 's1', region_id: 'r1', mean: 1, dispersion: 0 }])).toEqual([]);
  });

  it('applies overrides: hub capacity, unavailable suppliers, promise', () => {
    const cells = [{ sku_id: 's1', region_id: 'r1', mean: 30, dispersion: 0.1 }];
    const input = buildAllocationInput(
      snapshot,
      cells,
      {
        hub_capacities: [{ hub_id: 'h', capacity_units: 7 }],
        unavailable_supplier_ids: ['p'],
        promise_business_days: 1,
      },
      new Date('2026-11-23T12:00:00Z'),
    );
    expect(input.hubs[0]!.capacityUnits).toBe(7);
    expect(input.skus[0]!.sourcing.map((s) => s.supplierId)).toEqual(['f']);
    expect(input.promiseBusinessDays).toBe(1);
    expect(input.demand).toEqual([
      { skuId: 's1', regionId: 'r1', demand: { kind: 'negative-binomial', mean: 30, dispersion: 0.1 } },
    ]);
    expect(input.baselineDaysByRegion).toEqual({ r1: baselineDays(snapshot.drop.baseline.paths[0]!) });
    expect(baselineDays({ handling_days: 2, transit_days_min: 3, transit_days_max: 5 })).toBe(6);
    expect(input.economics.valuePerFastUnit).toBe(40);
  });
});

describe('what-if demand multipliers (issue 19)', () => {
  const cellArb = fc.record({
    sku_id: fc.constantFrom('s1', 's2'),
    region_id: fc.constantFrom('r1', 'r2', 'r3'),
    mean: fc.double({ min: 0, max: 1e4, noNaN: true }),
    dispersion: fc.double({ min: 0, max: 3, noNaN: true }),
  });
  const multiplierArb = fc.double({ min: 0, max: 10, noNaN: true });

  it('multiplies each mean by the drop-wide factor times its region factor, and keeps the dispersion', () => {
    fc.assert(
      fc.property(
        fc.array(cellArb, { maxLength: 20 }),
        fc.option(multiplierArb, { nil: undefined }),
        fc.dictionary(fc.constantFrom('r1', 'r2', 'r3'), multiplierArb),
        (cells, drop, byRegion) => {
          const overrides = {
            demand_multipliers: {
              drop,
              regions: Object.entries(byRegion).map(([region_id, multiplier]) => ({ region_id, multiplier })),
            },
          };
          const scaled = scaleDemand(cells, overrides);
          expect(scaled).toHaveLength(cells.length);
          scaled.forEach((cell, i) => {
            const factor = (drop ?? 1) * (byRegion[cells[i]!.region_id] ?? 1);
            expect(demandMultiplier(overrides, cells[i]!.region_id)).toBe(factor);
            expect(cell).toEqual({ ...cells[i]!, mean: cells[i]!.mean * factor });
          });
        },
      ),
    );
  });

  it('leaves the cells as they are without multipliers, and feeds the scaled means to the planner', () => {
    const cells = [
      { sku_id: 's1', region_id: 'r1', mean: 12, dispersion: 0.2 },
      { sku_id: 's1', region_id: 'r2', mean: 8, dispersion: 0.1 },
    ];
    expect(scaleDemand(cells, {})).toEqual(cells);
    const input = buildAllocationInput(
      snapshot,
      cells,
      { demand_multipliers: { drop: 1.5, regions: [{ region_id: 'r2', multiplier: 0 }] } },
      new Date(snapshot.taken_at),
    );
    expect(input.demand.map((d) => d.demand)).toEqual([
      { kind: 'negative-binomial', mean: 18, dispersion: 0.2 },
      { kind: 'negative-binomial', mean: 0, dispersion: 0.1 },
    ]);
  });
});

describe('costs from the catalog snapshot to the planner', () => {
  const costed: CatalogSnapshot = {
    ...snapshot,
    suppliers: snapshot.suppliers.map((s) =>
      s.id === 'f'
        ? { ...s, fallback_premium_per_unit: 1.5, inbound_freight: [{ hub_id: 'h', cost_per_unit: 0.4 }] }
        : s,
    ),
    hubs: [
      {
        ...snapshot.hubs[0]!,
        lanes: [
          {
            region_id: 'r1',
            transit_days_min: 1,
            transit_days_max: 2,
            shipping_cost_per_unit: 2,
            shipping_cost_per_shipment: 0.5,
            cost_shifts: [{ from: '2026-12-01T00:00:00Z', to: '2026-12-31T00:00:00Z', multiplier: 1.5 }],
          },
        ],
      },
    ],
    region_cost_shifts: [
      { region_id: 'r1', cost_shifts: [{ from: '2026-12-04T00:00:00Z', to: '2026-12-04T23:59:59Z', surcharge: 1 }] },
    ],
  };

  it("carries lane costs, the supplier's premium and freight, and every shift (region, lane, what-if) with the drop's window", () => {
    const input = buildAllocationInput(
      costed,
      [],
      {
        cost_shifts: [
          { region_id: 'r1', hub_id: 'h', from: '2026-12-03T00:00:00Z', to: '2026-12-03T23:00:00Z', surcharge: 0.25 },
        ],
      },
      new Date('2026-11-23T12:00:00Z'),
    );
    expect(input.hubs[0]!.lanes[0]).toMatchObject({ shippingCostPerUnit: 2, shippingCostPerShipment: 0.5 });
    const fallback = input.skus[0]!.sourcing[1]!;
    expect(fallback).toMatchObject({ fallbackPremiumPerUnit: 1.5, inboundFreightPerUnitByHub: { h: 0.4 } });
    expect(input.closesAt).toBe(costed.drop.closes_at);
    expect(input.costShifts).toEqual([
      { regionId: 'r1', from: '2026-12-04T00:00:00Z', to: '2026-12-04T23:59:59Z', surcharge: 1 },
      { regionId: 'r1', hubId: 'h', from: '2026-12-01T00:00:00Z', to: '2026-12-31T00:00:00Z', multiplier: 1.5 },
      { regionId: 'r1', hubId: 'h', from: '2026-12-03T00:00:00Z', to: '2026-12-03T23:00:00Z', surcharge: 0.25 },
    ]);
  });

  it('reads a snapshot taken before costs as free lanes and no shifts', () => {
    const input = buildAllocationInput(snapshot, [], {}, new Date('2026-11-23T12:00:00Z'));
    expect(input.hubs[0]!.lanes[0]).toMatchObject({ shippingCostPerUnit: 0, shippingCostPerShipment: 0 });
    expect(input.costShifts).toEqual([]);
  });

  it('names an unknown region or hub of a what-if shift', () => {
    const errors = findInconsistencies(snapshot, [], {
      cost_shifts: [
        { region_id: 'nowhere', hub_id: 'nohub', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual([
      'overrides.cost_shifts[0].region_id',
      'overrides.cost_shifts[0].hub_id',
    ]);
  });
});

describe('capacity by date shared with other plans', () => {
  it('leaves what is ready by each date less what other plans ship by then, read cumulatively', () => {
    // 30 ready on the 2nd, 30 on the 6th; another plan ships 40 by the 6th (10 of them on the 2nd)
    expect(
      capacityLeftByDate(
        [
          { date: '2027-03-02', units: 30 },
          { date: '2027-03-06', units: 30 },
        ],
        [
          { date: '2027-03-02', units: 10 },
          { date: '2027-03-06', units: 30 },
        ],
      ),
    ).toEqual([{ date: '2027-03-02', units: 20 }]);
    // orders shipping before anything is ready leave nothing until later dates make up for them
    expect(
      capacityLeftByDate(
        [
          { date: '2027-03-02', units: 30 },
          { date: '2027-03-06', units: 30 },
        ],
        [{ date: '2027-03-01', units: 40 }],
      ),
    ).toEqual([{ date: '2027-03-06', units: 20 }]);
    expect(
      firstOverbookedDate(
        [{ date: '2027-03-02', units: 30 }],
        [{ date: '2027-03-02', units: 25 }],
        [{ date: '2027-03-01', units: 10 }],
      ),
    ).toEqual({ date: '2027-03-02', capacity_units: 30, plan_units: 25, held_by_other_plans: 10 });
  });

  const day = fc.integer({ min: 1, max: 9 }).map((d) => `2027-03-0${d}`);
  const entries = fc.array(fc.record({ date: day, units: fc.integer({ min: 0, max: 50 }) }), { maxLength: 6 });

  it('any orders within what is left fit with the other plans at every date (fast-check)', () => {
    fc.assert(
      fc.property(
        entries,
        entries,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 9 }),
        (capacity, held, shares) => {
          const left = capacityLeftByDate(capacity, held);
          // orders: a share of each part of what is left, shipped on its date or later
          const own = left.map((e, i) => ({
            date: e.date,
            units: Math.floor(e.units * (shares[i] ?? 1)),
          }));
          expect(firstOverbookedDate(capacity, own, held)).toBeNull();
          // and what is left is all there is: one unit more on its last date overbooks it
          const total = left.reduce((n, e) => n + e.units, 0);
          if (left.length > 0) {
            const last = left[left.length - 1]!.date;
            const more = [...left, { date: last, units: 1 }];
            const dates = [...new Set([...capacity, ...held].map((e) => e.date))].sort();
            const sum = (list: { date: string; units: number }[], d: string) =>
              list.filter((e) => e.date <= d).reduce((n, e) => n + e.units, 0);
            const tight = dates.some((d) => d >= last && sum(capacity, d) - sum(held, d) === total);
            if (tight) expect(firstOverbookedDate(capacity, more, held)).not.toBeNull();
          }
        },
      ),
    );
  });
});
