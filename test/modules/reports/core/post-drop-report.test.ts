import { describe, expect, it } from 'vitest';
import { buildPostDropReport, type PostDropInput } from '../../../../src/modules/reports/core/post-drop-report';

const t = (minute: number) => Date.parse('2026-12-03T17:00:00Z') + minute * 60_000;
const baseline = { handlingDays: 2, transitDaysMin: 3, transitDaysMax: 5 };

/** Two hubs, three regions (R3 beyond every lane), one SKU; a hand-checked replay. */
function scenario(overrides: Partial<PostDropInput> = {}): PostDropInput {
  return {
    dropId: 'd1',
    promiseBusinessDays: 2,
    hubs: [
      { hubId: 'H1', handlingDays: 0, capacityUnits: 10, lanes: [{ regionId: 'R1', transitDaysMin: 1, transitDaysMax: 1 }, { regionId: 'R2', transitDaysMin: 2, transitDaysMax: 2 }] },
      { hubId: 'H2', handlingDays: 0, capacityUnits: 5, lanes: [{ regionId: 'R2', transitDaysMin: 1, transitDaysMax: 2 }] },
    ],
    stock: [
      { skuId: 'S', hubId: 'H1', units: 5 },
      { skuId: 'S', hubId: 'H2', units: 3 },
    ],
    orders: [
      { skuId: 'S', regionId: 'R1', quantity: 3, placedAt: t(1) },
      { skuId: 'S', regionId: 'R2', quantity: 2, placedAt: t(2) },
      { skuId: 'S', regionId: 'R2', quantity: 2, placedAt: t(3) },
      { skuId: 'S', regionId: 'R1', quantity: 1, placedAt: t(4) },
      { skuId: 'S', regionId: 'R3', quantity: 4, placedAt: t(5) },
    ],
    forecast: [
      { skuId: 'S', regionId: 'R1', mean: 3, p10: 2, p50: 3, p90: 5 },
      { skuId: 'S', regionId: 'R2', mean: 2, p10: 1, p50: 2, p90: 3 },
      { skuId: 'S', regionId: 'R3', mean: 1, p10: 0, p50: 1, p90: 2 },
    ],
    planRegions: [
      { skuId: 'S', regionId: 'R1', servingHubId: 'H1', leadTimeDeltaDays: 6 },
      { skuId: 'S', regionId: 'R2', servingHubId: 'H2', leadTimeDeltaDays: 5 },
    ],
    supplierOrders: [{ supplierId: 'F', skuId: 'S', quantity: 3, destinationHubId: 'H2', isFallback: true, reason: 'primary-short', premium: 4.5 }],
    skuIssues: [],
    baselineByRegion: { R1: baseline, R2: baseline, R3: baseline },
    ...overrides,
  };
}

describe('buildPostDropReport', () => {
  it('replays orders in time order against hub stock: fill, stock-outs, leftovers and deltas', () => {
    const report = buildPostDropReport(scenario());
    expect(report.units_ordered).toBe(12);
    expect(report.units_within_promise).toBe(7);
    expect(report.fill_rate_within_promise).toBeCloseTo(7 / 12, 4);
    // At t3 H2 (1 unit left) cannot fill 2 units and H1 gives its last 2: both ran out then.
    expect(report.stock_outs).toEqual([
      { hub_id: 'H1', sku_id: 'S', at: new Date(t(3)).toISOString(), units_placed: 5 },
      { hub_id: 'H2', sku_id: 'S', at: new Date(t(3)).toISOString(), units_placed: 3 },
    ]);
    expect(report.leftover_by_hub).toEqual({ H1: 0, H2: 1 });
    expect(report.regions).toEqual([
      { region_id: 'R1', realised_units: 4, within_promise_units: 3, planned_lead_time_delta_days: 6, realised_lead_time_delta_days: 4.5 },
      { region_id: 'R2', realised_units: 4, within_promise_units: 4, planned_lead_time_delta_days: 5, realised_lead_time_delta_days: 5 },
      { region_id: 'R3', realised_units: 4, within_promise_units: 0, planned_lead_time_delta_days: null, realised_lead_time_delta_days: 0 },
    ]);
    expect(report.fallback_premium_total).toBe(4.5);
  });

  it('marks which cells landed inside their p10–p90 range', () => {
    const report = buildPostDropReport(scenario());
    expect(report.cells.map((c) => [c.region_id, c.realised, c.inside_p10_p90])).toEqual([
      ['R1', 4, true],
      ['R2', 4, false],
      ['R3', 4, false],
    ]);
    expect(report.share_inside_p10_p90).toBeCloseTo(1 / 3, 4);
  });

  it('ranks the worst regions with their causes', () => {
    expect(buildPostDropReport(scenario()).top_misses.map((m) => [m.region_id, m.missed_units, m.cause])).toEqual([
      ['R3', 4, 'no-hub-within-promise'],
      ['R1', 1, 'under-forecast'],
    ]);
    const fullHub = scenario({ hubs: scenario().hubs.map((h) => (h.hubId === 'H1' ? { ...h, capacityUnits: 5 } : h)) });
    expect(buildPostDropReport(fullHub).top_misses[1]).toMatchObject({ region_id: 'R1', cause: 'hub-capacity' });
    const late = scenario({ skuIssues: [{ skuId: 'S', reason: 'no-supplier-before-opening' }] });
    expect(buildPostDropReport(late).top_misses[1]).toMatchObject({ region_id: 'R1', cause: 'supplier-lead-time' });
    const quiet = scenario({ orders: [{ skuId: 'S', regionId: 'R1', quantity: 1, placedAt: t(1) }] });
    expect(buildPostDropReport(quiet).top_misses[0]).toMatchObject({ region_id: 'R1', missed_units: 2, cause: 'over-forecast' });
  });

  it('never double-counts units: served fast plus leftover equals stock placed minus nothing lost', () => {
    const input = scenario();
    const report = buildPostDropReport(input);
    const placed = input.stock.reduce((s, x) => s + x.units, 0);
    const left = Object.values(report.leftover_by_hub).reduce((a, b) => a + b, 0);
    expect(report.units_within_promise + left).toBe(placed);
  });

  it('handles a drop with no orders and no forecast', () => {
    const report = buildPostDropReport(scenario({ orders: [], forecast: [] }));
    expect(report).toMatchObject({ units_ordered: 0, fill_rate_within_promise: null, share_inside_p10_p90: null, stock_outs: [] });
  });
});
