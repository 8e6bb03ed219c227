import { describe, expect, it } from 'vitest';
import { planTierReserves } from '../../../../src/modules/allocation/core/tier-split';

describe("the plan's stock split by tier reserves", () => {
  const allocations = [
    { sku_id: 's1', hub_id: 'h1', units: 60 },
    { sku_id: 's1', hub_id: 'h2', units: 40 },
    { sku_id: 's2', hub_id: 'h1', units: 7 },
  ];
  const regions = [
    { region_id: 'A', sku_id: 's1', serving_hub_id: 'h2' },
    { region_id: 'B', sku_id: 's1', serving_hub_id: null },
  ];

  it('reserves floor(share × the plan units of the SKU), as the ledger counts them, with the serving hub units beside a region', () => {
    expect(
      planTierReserves(allocations, regions, [
        { tier: 'holders', skuId: 's1', regionId: null, share: 0.29 },
        { tier: 'holders', skuId: 's2', regionId: null, share: 0.5 },
        { tier: 'members', skuId: 's1', regionId: 'A', share: 0.1 },
        { tier: 'members', skuId: 's1', regionId: 'B', share: 0.1 },
        { tier: 'members', skuId: 's3', regionId: 'A', share: 0.5 },
      ]).map((r) => [r.tier, r.sku_id, r.region_id, r.plan_units, r.reserved, r.units_at_serving_hub]),
    ).toEqual([
      // 0.29 × 100 is 28.999… in floating point: still 29, as the database's numeric floor gives.
      ['holders', 's1', null, 100, 29, null],
      ['holders', 's2', null, 7, 3, null],
      ['members', 's1', 'A', 100, 10, 40],
      ['members', 's1', 'B', 100, 10, 0],
      ['members', 's3', 'A', 0, 0, 0],
    ]);
  });
});
