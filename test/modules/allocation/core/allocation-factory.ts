/** Factories for allocation inputs: fresh, seeded, deterministic instances. */
import type {
  AllocationInput,
  HubInput,
  RegionDemand,
  SkuSupply,
  SupplierOption,
} from '../../../../src/modules/allocation/core/plan-types';
import { negativeBinomialPmf } from '../../../../src/modules/allocation/core/demand-distribution';
import { mulberry32 } from '../../../../src/shared/random';

export const NOW = '2025-03-01T00:00:00.000Z';
export const OPENS_AT = '2025-03-15T00:00:00.000Z';

export function supplier(overrides: Partial<SupplierOption> = {}): SupplierOption {
  return {
    supplierId: 'primary',
    kind: 'microfactory',
    unitsAvailable: 1_000,
    availableDate: NOW,
    leadTimeDaysMin: 2,
    leadTimeDaysMax: 4,
    capacityUnits: 1_000,
    unitCost: 10,
    minOrderQuantity: 1,
    orderMultiple: 1,
    ...overrides,
  };
}

export function baseInput(overrides: Partial<AllocationInput> = {}): AllocationInput {
  return {
    skus: [],
    hubs: [],
    demand: [],
    promiseBusinessDays: 2,
    baselineDaysByRegion: {},
    now: NOW,
    opensAt: OPENS_AT,
    economics: { valuePerFastUnit: 10, leftoverCostPerUnit: 2, holdingCostPerUnit: 0.5 },
    ...overrides,
  };
}

/** Draw NB samples by inverse cdf, deterministic in the seed. */
export function negativeBinomialSamples(
  mean: number,
  dispersion: number,
  count: number,
  random: () => number,
): number[] {
  const pmf = negativeBinomialPmf(mean, dispersion);
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    let u = random();
    let k = 0;
    while (k < pmf.length - 1 && u > pmf[k]!) {
      u -= pmf[k]!;
      k += 1;
    }
    out.push(k);
  }
  return out;
}

export interface RandomInstanceOptions {
  skus: number;
  hubs: number;
  regionsPerHub: number;
  scenarios: number;
  /** give some regions a second hub within the promise */
  overlapping?: boolean;
}

/** A small random instance with demand as joint samples; each region has one serving hub unless overlapping. */
export function randomInstance(seed: number, o: RandomInstanceOptions): AllocationInput {
  const random = mulberry32(seed);
  const hubs: HubInput[] = [];
  for (let h = 0; h < o.hubs; h += 1) {
    const lanes = [];
    for (let r = 0; r < o.regionsPerHub; r += 1)
      lanes.push({ regionId: `R${h}-${r}`, transitDaysMin: 0, transitDaysMax: 1 });
    if (o.overlapping && h > 0) lanes.push({ regionId: `R${h - 1}-0`, transitDaysMin: 1, transitDaysMax: 1 });
    // a lane too slow for the promise: never a serving hub
    lanes.push({ regionId: `R${(h + 1) % o.hubs}-0`, transitDaysMin: 3, transitDaysMax: 5 });
    hubs.push({ hubId: `H${h}`, capacityUnits: 5 + Math.floor(random() * 40), handlingDays: 1, lanes });
  }
  const skus: SkuSupply[] = [];
  const demand: RegionDemand[] = [];
  for (let s = 0; s < o.skus; s += 1) {
    skus.push({
      skuId: `S${s}`,
      sourcing: [
        supplier({ supplierId: `P${s}`, unitsAvailable: 5 + Math.floor(random() * 40), unitCost: 10 }),
        supplier({
          supplierId: `F${s}`,
          kind: 'warehouse',
          unitsAvailable: Math.floor(random() * 20),
          unitCost: 10 + random() * 6,
        }),
      ],
    });
    for (let h = 0; h < o.hubs; h += 1) {
      for (let r = 0; r < o.regionsPerHub; r += 1) {
        const mean = 0.5 + random() * 6;
        demand.push({
          skuId: `S${s}`,
          regionId: `R${h}-${r}`,
          demand: { kind: 'samples', samples: negativeBinomialSamples(mean, 0.4, o.scenarios, random) },
        });
      }
    }
  }
  const baselineDaysByRegion: Record<string, number> = {};
  for (const hub of hubs) for (const lane of hub.lanes) baselineDaysByRegion[lane.regionId] = 5;
  return baseInput({
    skus,
    hubs,
    demand,
    baselineDaysByRegion,
    economics: {
      valuePerFastUnit: 8 + random() * 6,
      leftoverCostPerUnit: 1 + random() * 3,
      holdingCostPerUnit: random(),
    },
  });
}
