/**
 * Allocation bench: the fast allocator at full scale (1,000 SKUs × 100 hubs × 500 regions) and,
 * on an instance the LP can solve, HiGHS's sample-average LP next to the fast allocator.
 */
import type { BenchFigure, BenchModule } from './bench-types';
import type { AllocationInput, HubInput, RegionDemand, SkuSupply } from '../modules/allocation/core/plan-types';
import { planAllocation, planAllocationFast } from '../modules/allocation/core/plan-allocation';
import { mulberry32 } from '../shared/random';

const NOW = '2025-03-01T00:00:00.000Z';
const OPENS_AT = '2025-03-15T00:00:00.000Z';

interface BenchInstanceShape {
  skus: number;
  hubs: number;
  regions: number;
  /** demand as samples (joint scenarios) instead of negative binomial parameters */
  scenarios?: number;
}

/** Every region has one hub within the promise; hub capacity and SKU stock both bind. */
export function buildBenchInstance(shape: BenchInstanceShape, seed = 1): AllocationInput {
  const random = mulberry32(seed);
  const hubs: HubInput[] = [];
  const regionsPerHub = Math.ceil(shape.regions / shape.hubs);
  for (let h = 0; h < shape.hubs; h += 1) {
    const lanes = [];
    for (let r = h * regionsPerHub; r < Math.min(shape.regions, (h + 1) * regionsPerHub); r += 1)
      lanes.push({ regionId: `R${r}`, transitDaysMin: 1, transitDaysMax: 1 });
    hubs.push({ hubId: `H${String(h).padStart(3, '0')}`, capacityUnits: 0, handlingDays: 0, lanes });
  }
  const skus: SkuSupply[] = [];
  const demand: RegionDemand[] = [];
  const hubDemand = new Float64Array(shape.hubs);
  for (let s = 0; s < shape.skus; s += 1) {
    const popularity = 0.2 + 1.5 * random();
    let skuDemand = 0;
    for (let r = 0; r < shape.regions; r += 1) {
      const mean = popularity * (0.3 + random());
      skuDemand += mean;
      hubDemand[Math.floor(r / regionsPerHub)] += mean;
      if (shape.scenarios) {
        const samples = new Float64Array(shape.scenarios);
        // gamma-Poisson-ish draw: Poisson with a lognormal-jittered mean, enough for a bench
        for (let w = 0; w < shape.scenarios; w += 1) {
          const lambda = mean * Math.exp(0.5 * (random() + random() + random() - 1.5));
          let k = 0;
          for (let p = Math.exp(-lambda), u = random(), c = p; u > c && k < 200;) {
            k += 1;
            p *= lambda / k;
            c += p;
          }
          samples[w] = k;
        }
        demand.push({ skuId: `S${s}`, regionId: `R${r}`, demand: { kind: 'samples', samples } });
      } else {
        demand.push({
          skuId: `S${s}`,
          regionId: `R${r}`,
          demand: { kind: 'negative-binomial', mean, dispersion: 0.3 },
        });
      }
    }
    skus.push({
      skuId: `S${s}`,
      sourcing: [
        {
          supplierId: `P${s}`,
          kind: 'microfactory',
          unitsAvailable: Math.round(skuDemand * (0.6 + 0.6 * random())),
          availableDate: NOW,
          leadTimeDaysMin: 2,
          leadTimeDaysMax: 5,
          capacityUnits: 1e9,
          unitCost: 10,
          minOrderQuantity: 1,
          orderMultiple: 1,
        },
        {
          supplierId: `F${s}`,
          kind: 'warehouse',
          unitsAvailable: Math.round(skuDemand * 0.3),
          availableDate: NOW,
          leadTimeDaysMin: 1,
          leadTimeDaysMax: 2,
          capacityUnits: 1e9,
          unitCost: 12,
          minOrderQuantity: 1,
          orderMultiple: 1,
        },
      ],
    });
  }
  // Hub capacity at 70–110% of its expected demand, so some hubs bind.
  hubs.forEach((hub, h) => (hub.capacityUnits = Math.round(hubDemand[h]! * (0.7 + 0.4 * random()))));
  const baselineDaysByRegion: Record<string, number> = {};
  for (let r = 0; r < shape.regions; r += 1) baselineDaysByRegion[`R${r}`] = 5;
  return {
    skus,
    hubs,
    demand,
    promiseBusinessDays: 2,
    baselineDaysByRegion,
    now: NOW,
    opensAt: OPENS_AT,
    economics: { valuePerFastUnit: 10, leftoverCostPerUnit: 3, holdingCostPerUnit: 0.3 },
  };
}

/**
 * Random instances where regions reach several hubs within the promise (the shape: 6 hubs ×
 * 30 regions × 4 SKUs): each region has 1–3 hubs within the promise in a random lane order, hub
 * capacity at 60–100% of the demand it could serve, SKU stock at 80–120% of its demand, a dearer
 * fallback, and per-SKU margins.
 */
export function buildPooledBenchInstance(seed: number, shape = { skus: 4, hubs: 6, regions: 30 }): AllocationInput {
  const random = mulberry32(seed);
  const hubs: HubInput[] = Array.from({ length: shape.hubs }, (_, h) => ({
    hubId: `H${h}`,
    capacityUnits: 0,
    handlingDays: 0,
    lanes: [],
  }));
  const reach = Array.from({ length: shape.regions }, () => {
    const count = 1 + Math.floor(random() * 3);
    const picked = new Set<number>();
    while (picked.size < Math.min(count, shape.hubs)) picked.add(Math.floor(random() * shape.hubs));
    return [...picked];
  });
  reach.forEach((hubList, r) =>
    hubList.forEach((h, order) =>
      hubs[h]!.lanes.push({ regionId: `R${r}`, transitDaysMin: 1, transitDaysMax: 1 + Math.min(order, 1) }),
    ),
  );
  const skus: SkuSupply[] = [];
  const demand: RegionDemand[] = [];
  const reachable = new Float64Array(shape.hubs);
  for (let s = 0; s < shape.skus; s += 1) {
    let skuDemand = 0;
    for (let r = 0; r < shape.regions; r += 1) {
      const mean = 0.5 + 8 * random() * random();
      skuDemand += mean;
      for (const h of reach[r]!) reachable[h] += mean / reach[r]!.length;
      demand.push({ skuId: `S${s}`, regionId: `R${r}`, demand: { kind: 'negative-binomial', mean, dispersion: 0.4 } });
    }
    const unitCost = 5 + 10 * random();
    const option = (id: string, kind: 'microfactory' | 'warehouse', units: number, cost: number) => ({
      supplierId: id,
      kind,
      unitsAvailable: units,
      availableDate: NOW,
      leadTimeDaysMin: 1,
      leadTimeDaysMax: 3,
      capacityUnits: 1e9,
      unitCost: cost,
      minOrderQuantity: 1,
      orderMultiple: 1,
    });
    skus.push({
      skuId: `S${s}`,
      sourcing: [
        option(`P${s}`, 'microfactory', Math.round(skuDemand * (0.8 + 0.4 * random())), unitCost),
        option(`F${s}`, 'warehouse', Math.round(skuDemand * 0.3), unitCost * 1.25),
      ],
      economics: {
        valuePerFastUnit: unitCost * (0.5 + 2 * random()),
        leftoverCostPerUnit: 0.2 * unitCost,
        holdingCostPerUnit: 0.01 * unitCost,
      },
    });
  }
  hubs.forEach((hub, h) => (hub.capacityUnits = Math.round(reachable[h]! * (0.6 + 0.4 * random()))));
  const baselineDaysByRegion: Record<string, number> = {};
  for (let r = 0; r < shape.regions; r += 1) baselineDaysByRegion[`R${r}`] = 5;
  return {
    skus,
    hubs,
    demand,
    promiseBusinessDays: 2,
    baselineDaysByRegion,
    now: NOW,
    opensAt: OPENS_AT,
    economics: { valuePerFastUnit: 10, leftoverCostPerUnit: 2, holdingCostPerUnit: 0.1 },
  };
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export const allocationBench: BenchModule = {
  id: 'allocation',
  async run(progress) {
    const figures: BenchFigure[] = [];

    progress('building 1000 × 100 × 500 instance');
    const large = buildBenchInstance({ skus: 1000, hubs: 100, regions: 500 });
    progress('fast plan 1000 × 100 × 500');
    planAllocationFast(buildBenchInstance({ skus: 20, hubs: 10, regions: 50 })); // warm up the JIT
    // Three runs, the median counts (one run varies ±15% with what else the machine does).
    const runs = Array.from({ length: 3 }, () => {
      const started = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      const planned = planAllocationFast(large);
      const wall = seconds(started);
      const cpu = process.cpuUsage(cpuStart);
      return { plan: planned, wall, cpu: (cpu.user + cpu.system) / 1e6 };
    }).sort((a, b) => a.wall - b.wall);
    const { plan, wall: fastSeconds, cpu: cpuSeconds } = runs[1]!;
    const runsNote = `median of 3 runs (${runs.map((r) => r.wall.toFixed(2)).join(', ')} s)`;
    let start: bigint;
    figures.push({
      name: 'allocation.fast_plan_1000x100x500',
      value: fastSeconds,
      unit: 's',
      target: '< 2 s',
      pass: fastSeconds < 2,
      note: `wall clock, ${runsNote}; process CPU ${cpuSeconds.toFixed(2)} s (wall > CPU means a loaded machine); ${plan.solver.name}, certified=${String(plan.solver.certified)}, gap ≤ ${String(plan.solver.gapBound)} (target ≤ 0.001), ${plan.totals.unitsPlaced} units, fill ${(100 * plan.totals.fillRateWithinPromise).toFixed(1)}%, ${plan.regions.length} region rows; instance building not timed`,
    });
    // Process CPU time counts V8's parallel GC threads too, so it can exceed the wall clock on an
    // idle machine: shown beside the wall clock (the target's figure), not judged against it.
    figures.push({
      name: 'allocation.fast_plan_1000x100x500_cpu',
      value: cpuSeconds,
      unit: 's',
      note: 'process CPU time (user + system, all threads including parallel GC) of the median run',
    });
    const gap = plan.solver.certified ? (plan.solver.gapBound ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    figures.push({
      name: 'allocation.fast_plan_1000x100x500_gap',
      value: gap,
      unit: 'ratio',
      target: '≤ 0.001, certified',
      pass: gap <= 0.001,
      note: `certified gap bound of the same fast plan: (Lagrangian bound − plan value) / bound; ${plan.solver.notes.join('; ')}`,
    });

    progress('LP vs fast on 10 SKUs × 5 hubs × 20 regions, 100 scenarios');
    const small = buildBenchInstance({ skus: 10, hubs: 5, regions: 20, scenarios: 100 }, 2);
    start = process.hrtime.bigint();
    const fastSmall = planAllocationFast(small);
    const fastSmallSeconds = seconds(start);
    await planAllocation(small, { solver: 'lp' }); // load the WASM instance outside the timing
    start = process.hrtime.bigint();
    const lpSmall = await planAllocation(small, { solver: 'lp' });
    const lpSeconds = seconds(start);
    figures.push({
      name: 'allocation.lp_plan_10x5x20_100_scenarios',
      value: lpSeconds,
      unit: 's',
      reference: { name: 'allocation.fast_plan_10x5x20_100_scenarios', value: fastSmallSeconds, unit: 's' },
      ratio: lpSeconds / fastSmallSeconds,
      note: `time ratio LP / fast (higher = LP slower); LP ${lpSmall.solver.name}, gap ${String(lpSmall.solver.optimalityGap)}`,
    });
    figures.push({
      name: 'allocation.fast_objective_vs_lp_10x5x20',
      value: fastSmall.totals.objectiveValue,
      unit: 'objective',
      reference: { name: 'allocation.lp_objective_10x5x20', value: lpSmall.totals.objectiveValue, unit: 'objective' },
      ratio: fastSmall.totals.objectiveValue / lpSmall.totals.objectiveValue,
      target: '≥ 0.999',
      pass: fastSmall.totals.objectiveValue / lpSmall.totals.objectiveValue >= 0.999,
      note: 'objective ratio fast / LP (higher is better; 1 = same optimum on the same scenarios)',
    });
    progress('pooled fast allocator vs LP, 6 hubs × 30 regions × 4 SKUs, 200 scenarios, 10 seeds');
    const ratios: number[] = [];
    let pooledSeconds = 0;
    let lpPooledSeconds = 0;
    let worstGap = 0;
    for (let seed = 1; seed <= 10; seed += 1) {
      const instance = buildPooledBenchInstance(seed);
      start = process.hrtime.bigint();
      const fastPooled = planAllocationFast(instance, { lpScenarioCount: 200 });
      pooledSeconds += seconds(start);
      start = process.hrtime.bigint();
      const lpPooled = await planAllocation(instance, { solver: 'lp', lpScenarioCount: 200 });
      lpPooledSeconds += seconds(start);
      ratios.push(fastPooled.totals.objectiveValue / lpPooled.totals.objectiveValue);
      worstGap = Math.max(worstGap, fastPooled.solver.gapBound ?? Number.POSITIVE_INFINITY);
    }
    const worst = Math.min(...ratios);
    const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length;
    figures.push({
      name: 'allocation.pooled_fast_vs_lp_6x30x4_worst_seed',
      value: worst,
      unit: 'ratio',
      reference: { name: 'allocation.lp_pooled_6x30x4_seconds_total', value: lpPooledSeconds, unit: 's' },
      target: '≥ 0.999 on every seed',
      pass: worst >= 0.999,
      note: `objective fast-pooled / LP on the same 200 scenarios, worst of 10 seeds (mean ${mean.toFixed(5)}; per seed ${ratios.map((r) => r.toFixed(4)).join(' ')}); fast ${pooledSeconds.toFixed(2)} s in all; worst Lagrangian gap bound ${(100 * worstGap).toFixed(2)}%`,
    });
    return figures;
  },
};
