/**
 * The fast allocator: each region's demand goes to its serving hub only (no pooling); several SKUs
 * sharing hub capacity are solved exactly by greedy plus cycle cancelling (transport-allocation).
 */
// Index reads end in `!` (type-only): indices are SKU, hub, region and pair numbers of the prepared
// instance, within its arrays.
import type { DemandDistribution } from './demand-distribution';
import {
  expectedSales,
  pooledPmf,
  survivalCapacity,
  survivalFromPmf,
  writeNegativeBinomialSurvival,
} from './demand-distribution';
import type { AllocationInput, AllocationPlan, AllocationPolicy } from './plan-types';
import type { TransportProblem } from './transport-allocation';
import { pairGain, solveTransportAllocation } from './transport-allocation';
import {
  countPooledRegions,
  floorBonus,
  sharedSuppliers,
  isValidOrder,
  largestValidOrder,
  prepareInstance,
  smallestValidOrder,
  type PreparedInstance,
} from './plan-instance';
import {
  buildSupplierOrders,
  describeRegions,
  listSkuIssues,
  planTotals,
  relativeGap,
  type SalesLegs,
} from './plan-report';
import { pooledCells, solvePooledAllocation } from './pooled-allocator';
import { buildScenarios } from './scenarios';

/** The fast allocator's model: one (SKU, hub) pair per serving hub with the pooled demand. */
export function buildTransportProblem(prepared: PreparedInstance): {
  problem: TransportProblem;
  pairMean: Float64Array;
  pairIndexOf: (s: number, h: number) => number;
} {
  const S = prepared.skus.length;
  const H = prepared.hubs.length;
  const pairSku: number[] = [];
  const pairHub: number[] = [];
  const pairSkuStart = new Int32Array(S + 1);
  const pairSurvivalStart: number[] = [];
  const pairSurvivalLength: number[] = [];
  const pairMean: number[] = [];
  let survivalSize = 0;
  const pairIndex = new Int32Array(S * H).fill(-1); // [s·H + h]: the pair, or −1
  const groups: DemandDistribution[][] = Array.from({ length: H }, () => []);
  const groupMean = new Float64Array(H);
  const nbMean = new Float64Array(H);
  const nbVariance = new Float64Array(H);
  const nbCount = new Int32Array(H);
  // Survival tables average a few dozen entries per pair: size the buffer once from the demand
  // entries (growing it copies tens of MB on a large instance) and hand out a view, not a copy.
  let demandEntries = 0;
  for (const list of prepared.demandBySku) demandEntries += list.length;
  let buffer = new Float64Array(Math.max(1 << 16, demandEntries * 8));
  // A floor at a hub no demand of the SKU goes to (a reserve for a region with none forecast): a
  // pair that sells nothing, so the floor has somewhere to go.
  const addFloorOnlyPair = (s: number, h: number): void => {
    if (prepared.hubFloor === null || !(prepared.hubFloor[s * H + h]! > 0)) return;
    pairIndex[s * H + h] = pairSku.length;
    pairSku.push(s);
    pairHub.push(h);
    pairMean.push(0);
    pairSurvivalStart.push(survivalSize);
    pairSurvivalLength.push(0);
  };
  for (let s = 0; s < S; s += 1) {
    pairSkuStart[s] = pairSku.length;
    // Fast path: all of this SKU's demand negative binomial → pooled NB written straight into one
    // buffer (same maths as pooledPmf, without the intermediate pmfs).
    if (prepared.demandBySku[s]!.every((d) => d.demand.kind === 'negative-binomial')) {
      nbMean.fill(0);
      nbVariance.fill(0);
      nbCount.fill(0);
      let single = -1;
      for (const d of prepared.demandBySku[s]!) {
        const serving = prepared.regions[d.region]!.candidates[0]!;
        if (serving === undefined || !(d.mean > 0) || d.demand.kind !== 'negative-binomial') continue;
        nbMean[serving] += d.mean;
        nbVariance[serving] += d.mean + Math.max(0, d.demand.dispersion) * d.mean * d.mean;
        nbCount[serving] += 1;
        single = d.demand.dispersion;
      }
      for (let h = 0; h < H; h += 1) {
        if (nbCount[h] === 0) {
          addFloorOnlyPair(s, h);
          continue;
        }
        const mean = nbMean[h]!;
        const dispersion = nbCount[h] === 1 ? single : Math.max(0, (nbVariance[h]! - mean) / (mean * mean));
        const need = survivalSize + survivalCapacity(mean, dispersion);
        if (need > buffer.length) {
          const grown = new Float64Array(Math.max(need, buffer.length * 2));
          grown.set(buffer.subarray(0, survivalSize));
          buffer = grown;
        }
        const length = writeNegativeBinomialSurvival(mean, dispersion, buffer, survivalSize);
        pairIndex[s * H + h] = pairSku.length;
        pairSku.push(s);
        pairHub.push(h);
        pairMean.push(mean);
        pairSurvivalStart.push(survivalSize);
        pairSurvivalLength.push(length);
        survivalSize += length;
      }
      continue;
    }
    for (let h = 0; h < H; h += 1) {
      groups[h]!.length = 0;
      groupMean[h] = 0;
    }
    for (const d of prepared.demandBySku[s]!) {
      const serving = prepared.regions[d.region]!.candidates[0]!;
      if (serving === undefined || !(d.mean > 0)) continue;
      groups[serving]!.push(d.demand);
      groupMean[serving] += d.mean;
    }
    for (let h = 0; h < H; h += 1) {
      if (groups[h]!.length === 0) {
        addFloorOnlyPair(s, h);
        continue;
      }
      const table = survivalFromPmf(pooledPmf(groups[h]!));
      if (survivalSize + table.length > buffer.length) {
        const grown = new Float64Array(Math.max(survivalSize + table.length, buffer.length * 2));
        grown.set(buffer.subarray(0, survivalSize));
        buffer = grown;
      }
      buffer.set(table, survivalSize);
      pairIndex[s * H + h] = pairSku.length;
      pairSku.push(s);
      pairHub.push(h);
      pairMean.push(groupMean[h]!);
      pairSurvivalStart.push(survivalSize);
      pairSurvivalLength.push(table.length);
      survivalSize += table.length;
    }
  }
  pairSkuStart[S] = pairSku.length;
  const survival = buffer.subarray(0, survivalSize);
  const stepStart = new Int32Array(S + 1);
  const stepEnd: number[] = [];
  const stepPremium: number[] = [];
  prepared.skus.forEach((sku, s) => {
    stepStart[s] = stepEnd.length;
    let cumulative = 0;
    for (const supplier of sku.suppliers) {
      cumulative += supplier.maxUnits;
      stepEnd.push(cumulative);
      stepPremium.push(supplier.premium);
    }
  });
  stepStart[S] = stepEnd.length;
  // Lanes and freight that cost something: each pair's sale is worth less its regions' mean lane
  // cost (weighted by their expected demand, the way the pair's sales are shared), and each placed
  // unit costs its inbound freight more.
  let pairValuePerSale: Float64Array | undefined;
  let pairCostPerUnit: Float64Array | undefined;
  if (prepared.hasCosts) {
    const P = pairSku.length;
    const shipping = new Float64Array(P);
    pairValuePerSale = new Float64Array(P);
    pairCostPerUnit = new Float64Array(P);
    for (let s = 0; s < S; s += 1)
      for (const d of prepared.demandBySku[s]!) {
        const region = prepared.regions[d.region]!;
        const serving = region.candidates[0];
        if (serving === undefined || !(d.mean > 0)) continue;
        const p = pairIndex[s * H + serving]!;
        if (p >= 0) shipping[p] += d.mean * region.laneCosts[0]!;
      }
    for (let p = 0; p < P; p += 1) {
      const s = pairSku[p]!;
      const h = pairHub[p]!;
      pairValuePerSale[p] = prepared.valuePerSale[s]! - (pairMean[p]! > 0 ? shipping[p]! / pairMean[p]! : 0);
      pairCostPerUnit[p] = prepared.hubPlaceCost[s * H + h]!;
    }
  }
  const problem: TransportProblem = {
    skuCount: S,
    hubCount: H,
    pairSku: Int32Array.from(pairSku),
    pairHub: Int32Array.from(pairHub),
    pairSkuStart,
    survival,
    pairSurvivalStart: Int32Array.from(pairSurvivalStart),
    pairSurvivalLength: Int32Array.from(pairSurvivalLength),
    valuePerSale: prepared.valuePerSale,
    costPerUnit: prepared.costPerUnit,
    ...(pairValuePerSale && pairCostPerUnit ? { pairValuePerSale, pairCostPerUnit } : {}),
    hubCapacity: prepared.hubCapacity,
    stepStart,
    stepEnd: Float64Array.from(stepEnd),
    stepPremium: Float64Array.from(stepPremium),
    ...(prepared.hubFloor === null
      ? {}
      : {
          pairFloor: Int32Array.from(pairSku, (s, p) => prepared.hubFloor![s * H + pairHub[p]!]!),
          floorBonus: floorBonus(prepared),
        }),
  };
  return {
    problem,
    pairMean: Float64Array.from(pairMean),
    pairIndexOf: (s, h) => (h >= 0 && h < H ? pairIndex[s * H + h]! : -1),
  };
}

/**
 * Enforce min order size and multiple per supplier (in priority order) on the fast allocator's
 * units, rounding each supplier's share down or up by the better objective. Returns the
 * quantity per feasible supplier of each SKU.
 */
function applyOrderRules(
  prepared: PreparedInstance,
  problem: TransportProblem,
  units: Int32Array,
): { quantities: number[][]; adjusted: boolean } {
  let adjusted = false;
  const hubLoad = new Float64Array(problem.hubCount);
  for (let p = 0; p < units.length; p += 1) hubLoad[problem.pairHub[p]!] += units[p]!;
  const quantities = prepared.skus.map((sku, s) => {
    const first = problem.pairSkuStart[s]!;
    const last = problem.pairSkuStart[s + 1]!;
    let remaining = 0;
    for (let p = first; p < last; p += 1) remaining += units[p]!;
    return sku.suppliers.map((supplier) => {
      const want = Math.min(remaining, supplier.maxUnits);
      remaining -= want;
      const { minOrderQuantity: moq, orderMultiple: multiple } = supplier.option;
      if (isValidOrder(want, moq, multiple)) return want;
      adjusted = true;
      const down = largestValidOrder(want, moq, multiple);
      const up = smallestValidOrder(want, supplier.maxUnits, moq, multiple);
      // Value of removing (want − down) units: the cheapest last units, each saving its premium.
      const removed: number[] = [];
      let downValue = 0;
      for (let k = want; k > down; k -= 1) {
        let worst = -1;
        for (let p = first; p < last; p += 1)
          if (units[p]! > 0 && (worst < 0 || pairGain(problem, p, units[p]!) < pairGain(problem, worst, units[worst]!)))
            worst = p;
        if (worst < 0) break;
        downValue -= pairGain(problem, worst, units[worst]!) - supplier.premium;
        units[worst] -= 1;
        removed.push(worst);
      }
      for (const p of removed) units[p] += 1; // undo, decide below
      let upValue = Number.NEGATIVE_INFINITY;
      const added: number[] = [];
      if (Number.isFinite(up)) {
        upValue = 0;
        for (let k = want; k < up; k += 1) {
          let best = -1;
          for (let p = first; p < last; p += 1) {
            if (hubLoad[problem.pairHub[p]!]! >= problem.hubCapacity[problem.pairHub[p]!]!) continue;
            if (best < 0 || pairGain(problem, p, units[p]! + 1) > pairGain(problem, best, units[best]! + 1)) best = p;
          }
          if (best < 0) {
            upValue = Number.NEGATIVE_INFINITY;
            break;
          }
          upValue += pairGain(problem, best, units[best]! + 1) - supplier.premium;
          units[best] += 1;
          hubLoad[problem.pairHub[best]!] += 1;
          added.push(best);
        }
      }
      if (upValue > downValue) return up;
      for (const p of added) {
        units[p] -= 1;
        hubLoad[problem.pairHub[p]!] -= 1;
      }
      for (const p of removed) {
        units[p] -= 1;
        hubLoad[problem.pairHub[p]!] -= 1;
      }
      return down;
    });
  });
  return { quantities, adjusted };
}

/** The fast allocator: synchronous, no LP. */
export function planAllocationFast(input: AllocationInput, policy: AllocationPolicy = {}): AllocationPlan {
  const first = prepareInstance(input);
  const pooled = countPooledRegions(first);
  if (pooled > 0 && policy.pooling !== false) {
    const scenarioCount = policy.lpScenarioCount ?? 200;
    const hasOrderRules = first.skus.some((sku) =>
      sku.suppliers.some((f) => f.option.minOrderQuantity > 1 || f.option.orderMultiple > 1),
    );
    const cells = pooledCells(first, scenarioCount);
    const limit = policy.pooledMaxScenarioCells ?? 400_000;
    const hasFloors = first.hubFloor !== null;
    if (!hasOrderRules && !hasFloors && cells <= limit) return planPooled(first, policy);
    const plan = planUnpooled(first, policy);
    plan.solver.notes.push(
      hasOrderRules
        ? 'min order size / order multiple apply: the fast allocator serves each region from its fastest hub only (no pooling)'
        : hasFloors
          ? 'regional tier reserves are placed at their serving hubs: the fast allocator serves each region from its fastest hub only (no pooling)'
          : `pooling would hold ${cells} scenario cells (limit ${limit}): the fast allocator serves each region from its fastest hub only`,
    );
    return plan;
  }
  return planUnpooled(first, policy);
}

/** The pooled fast allocator (several hubs per region), on the LP's scenarios. */
function planPooled(prepared: PreparedInstance, policy: AllocationPolicy): AllocationPlan {
  const scenarios = buildScenarios(prepared, policy);
  const solution = solvePooledAllocation(prepared, scenarios);
  const H = prepared.hubs.length;
  const allocations: AllocationPlan['allocations'] = [];
  prepared.skus.forEach((sku, s) => {
    for (let h = 0; h < H; h += 1) {
      const units = solution.units[s]![h]!;
      if (units > 0) allocations.push({ skuId: sku.skuId, hubId: prepared.hubs[h]!.hubId, units });
    }
  });
  const supplierOrders = buildSupplierOrders(prepared, (s, h) => solution.units[s]![h]!, solution.quantities);
  const { regions, unservedRegions } = describeRegions(
    prepared,
    (s, i) => solution.salesByEntry[s]![i]!,
    (s, region) => prepared.regions[region]!.candidates.some((h) => solution.units[s]![h]! > 0),
  );
  const totals = planTotals(
    prepared,
    (s, h) => solution.units[s]![h]!,
    pooledSalesLegs(prepared, solution.soldAtHub),
    solution.quantities,
    supplierOrders,
  );
  const pooledRegions = countPooledRegions(prepared);
  const gap = relativeGap(solution.upperBound, solution.value);
  // Sales are routed by reachability, not by lane cost: with lanes of different costs the bound
  // values each SKU's sales at its cheapest lane (still proven, looser).
  const uniform = prepared.uniformLaneCosts;
  return {
    allocations,
    supplierOrders,
    regions,
    unservedRegions,
    skuIssues: listSkuIssues(prepared),
    totals,
    solver: {
      name: 'fast-pooled',
      optimal: gap === 0 ? true : null,
      optimalityGap: gap,
      certified: gap !== null,
      gapBound: gap,
      choiceReason: 'fast allocator requested',
      pooledRegions,
      notes: [
        `${pooledRegions} region(s) have several hubs within the promise: their demand is pooled across those hubs (greedy on exact marginals over ${scenarios.count} demand scenarios, the LP's)`,
        uniform
          ? `gap bound from a Lagrangian bound with one price per full hub`
          : `lane costs differ within pooled regions: greedy routes sales by reachability, not cost; the gap is to a Lagrangian bound that values each SKU's sales at its cheapest lane (proven, can be loose); the LP is exact`,
      ],
    },
  };
}

/** The fast allocator without pooling: each region is served by its fastest hub. */
function planUnpooled(first: PreparedInstance, policy: AllocationPolicy): AllocationPlan {
  let prepared = first;
  const shared = sharedSuppliers(prepared);
  let relaxationBound: number | null = null;
  const restrictedSuppliers = new Set<string>();
  let built = buildTransportProblem(prepared);
  let solution = solveTransportAllocation(
    built.problem,
    policy.maxRepairIterations ?? 20_000,
    policy.maxRepairWork ?? 5_000_000,
  );
  let rounded = applyOrderRules(prepared, built.problem, solution.units);
  // A supplier shared by several SKUs: each SKU was solved against the supplier's whole capacity,
  // a relaxation whose bound still holds. Where the SKUs together overbook it, give it to the units
  // that are worth most, cap each SKU's share there, and solve again (the rest falls to fallbacks).
  for (let round = 0; round < 4; round += 1) {
    const over = overbookedSuppliers(prepared, rounded.quantities, shared);
    if (over.size === 0) break;
    if (round === 0) relaxationBound = rounded.adjusted ? null : solution.upperBound;
    for (const id of over) restrictedSuppliers.add(id);
    prepared = restrictSharedSuppliers(prepared, built.problem, solution.units, rounded.quantities, over);
    built = buildTransportProblem(prepared);
    solution = solveTransportAllocation(
      built.problem,
      policy.maxRepairIterations ?? 20_000,
      policy.maxRepairWork ?? 5_000_000,
    );
    rounded = applyOrderRules(prepared, built.problem, solution.units);
  }
  const { problem, pairMean, pairIndexOf } = built;
  const units = solution.units;
  const { quantities, adjusted } = rounded;

  const allocations: AllocationPlan['allocations'] = [];
  const pairSales = new Float64Array(units.length);
  for (let p = 0; p < units.length; p += 1) {
    pairSales[p] = expectedSales(
      problem.survival.subarray(
        problem.pairSurvivalStart[p]!,
        problem.pairSurvivalStart[p]! + problem.pairSurvivalLength[p]!,
      ),
      units[p]!,
    );
    if (units[p]! > 0) {
      const hubId = prepared.hubs[problem.pairHub[p]!]!.hubId;
      allocations.push({ skuId: prepared.skus[problem.pairSku[p]!]!.skuId, hubId, units: units[p]! });
    }
  }
  const unitsAt = (s: number, h: number): number => {
    const p = pairIndexOf(s, h);
    return p < 0 ? 0 : units[p]!;
  };
  const supplierOrders = buildSupplierOrders(prepared, unitsAt, quantities);
  const { regions, unservedRegions } = describeRegions(
    prepared,
    (s, i) => {
      const d = prepared.demandBySku[s]![i]!;
      const p = pairIndexOf(s, prepared.regions[d.region]!.candidates[0] ?? -1);
      // A hub's regions share its fill rate: the region gets its share of the hub's expected sales.
      return p < 0 || pairMean[p]! <= 0 ? 0 : (pairSales[p]! * d.mean) / pairMean[p]!;
    },
    (s, region) => unitsAt(s, prepared.regions[region]!.candidates[0] ?? -1) > 0,
  );
  const pooledRegions = countPooledRegions(prepared);
  // A hub's regions share its fill rate: each region sells its share of the pair's expected sales.
  const totals = planTotals(
    prepared,
    unitsAt,
    (leg) => {
      prepared.demandBySku.forEach((list, s) =>
        list.forEach((d) => {
          const region = prepared.regions[d.region]!;
          const serving = region.candidates[0];
          if (serving === undefined) return;
          const p = pairIndexOf(s, serving);
          if (p < 0 || !(pairMean[p]! > 0)) return;
          leg(s, serving, d.region, (pairSales[p]! * d.mean) / pairMean[p]!, region.laneCosts[0]!);
        }),
      );
    },
    quantities,
    supplierOrders,
  );
  const notes: string[] = [];
  if (pooledRegions > 0)
    notes.push(
      `${pooledRegions} region(s) have several hubs within the promise; the fast allocator serves each from its fastest hub only (no pooling)`,
    );
  if (solution.repaired) {
    notes.push(
      solution.optimal
        ? `both hub capacity and SKU stock bind: greedy, hub prices and negative-cycle cancellation (${solution.repairIterations} round(s)), certified optimal`
        : `both hub capacity and SKU stock bind: ${solution.repairIterations} round(s) of hub prices (Lagrangian dual, each SKU's best response repaired into a plan), then cycle cancellation within its work budget on instances small enough for it; the gap is to the least Lagrangian bound found`,
    );
  }
  if (adjusted)
    notes.push('min order size / order multiple rounded some supplier quantities; optimality is then not claimed');
  if (restrictedSuppliers.size > 0)
    notes.push(
      `supplier capacity shared by several SKUs binds (${[...restrictedSuppliers].sort().join(', ')}): the units went to the SKUs worth most there; the gap is to the bound without that coupling`,
    );
  const sharedBound = restrictedSuppliers.size > 0;
  const gapBound = adjusted
    ? null
    : sharedBound
      ? relativeGap(relaxationBound, solution.value)
      : solution.optimal
        ? 0
        : relativeGap(solution.upperBound, solution.value);
  return {
    allocations,
    supplierOrders,
    regions,
    unservedRegions,
    skuIssues: listSkuIssues(prepared),
    totals,
    solver: {
      name: solution.repaired ? 'fast-greedy+cycle-canceling' : 'fast-greedy',
      // Rounding to order rules can move away from the optimum: then no claim either way.
      optimal: sharedBound
        ? gapBound === 0
          ? true
          : null
        : solution.optimal && !adjusted
          ? true
          : solution.optimal
            ? null
            : false,
      optimalityGap: gapBound,
      certified: gapBound !== null,
      gapBound,
      choiceReason: 'fast allocator requested',
      pooledRegions,
      notes,
    },
  };
}

/**
 * A pooled plan's sales by lane: a hub's expected sales of a SKU are shared over the regions that
 * list it within the promise in proportion to their expected demand (the weights of its mean lane
 * cost in the model, so the shipping here is the model's).
 */
function pooledSalesLegs(prepared: PreparedInstance, soldAtHub: Float64Array[]): SalesLegs {
  const H = prepared.hubs.length;
  return (leg) => {
    const weight = new Float64Array(H);
    prepared.demandBySku.forEach((list, s) => {
      weight.fill(0);
      for (const d of list) if (d.mean > 0) for (const h of prepared.regions[d.region]!.candidates) weight[h] += d.mean;
      for (const d of list) {
        if (!(d.mean > 0)) continue;
        const region = prepared.regions[d.region]!;
        region.candidates.forEach((h, c) => {
          const sold = soldAtHub[s]![h]!;
          if (sold > 0 && weight[h]! > 0) leg(s, h, d.region, (sold * d.mean) / weight[h]!, region.laneCosts[c]!);
        });
      }
    });
  };
}

/** Shared suppliers whose SKUs together order more than the supplier can provide. */
function overbookedSuppliers(prepared: PreparedInstance, quantities: number[][], shared: Set<string>): Set<string> {
  const total = new Map<string, number>();
  prepared.skus.forEach((sku, s) =>
    sku.suppliers.forEach((f, i) => {
      if (shared.has(f.option.supplierId))
        total.set(f.option.supplierId, (total.get(f.option.supplierId) ?? 0) + (quantities[s]![i] ?? 0));
    }),
  );
  return new Set([...total].filter(([id, q]) => q > (prepared.supplierCapacity.get(id) ?? 0)).map(([id]) => id));
}

/**
 * Cap each SKU's share of an overbooked supplier: units are taken back one at a time from the SKU
 * whose last unit is worth least (its marginal sale value less the supplier's premium) until the
 * supplier's capacity holds. Returns the instance with those caps as the SKUs' supplier limits.
 */
function restrictSharedSuppliers(
  prepared: PreparedInstance,
  problem: TransportProblem,
  solvedUnits: Int32Array,
  quantities: number[][],
  over: Set<string>,
): PreparedInstance {
  const units = Int32Array.from(solvedUnits);
  const share = quantities.map((q) => [...q]);
  for (const supplierId of over) {
    const capacity = prepared.supplierCapacity.get(supplierId) ?? 0;
    const users: { s: number; i: number }[] = [];
    prepared.skus.forEach((sku, s) =>
      sku.suppliers.forEach((f, i) => {
        if (f.option.supplierId === supplierId && share[s]![i]! > 0) users.push({ s, i });
      }),
    );
    let total = users.reduce((sum, u) => sum + share[u.s]![u.i]!, 0);
    const lastUnit = (s: number): number => {
      let worst = -1;
      for (let p = problem.pairSkuStart[s]!; p < problem.pairSkuStart[s + 1]!; p += 1)
        if (units[p]! > 0 && (worst < 0 || pairGain(problem, p, units[p]!) < pairGain(problem, worst, units[worst]!)))
          worst = p;
      return worst;
    };
    while (total > capacity) {
      let pick = -1;
      let pickPair = -1;
      let pickValue = Number.POSITIVE_INFINITY;
      users.forEach((u, k) => {
        if (share[u.s]![u.i]! <= 0) return;
        const p = lastUnit(u.s);
        const value = p < 0 ? Number.NEGATIVE_INFINITY : pairGain(problem, p, units[p]!);
        const net = value - prepared.skus[u.s]!.suppliers[u.i]!.premium;
        if (net < pickValue) {
          pickValue = net;
          pick = k;
          pickPair = p;
        }
      });
      if (pick < 0) break;
      const u = users[pick]!;
      share[u.s]![u.i] -= 1;
      if (pickPair >= 0) units[pickPair] -= 1;
      total -= 1;
    }
  }
  return {
    ...prepared,
    skus: prepared.skus.map((sku, s) => ({
      ...sku,
      suppliers: sku.suppliers
        .map((f, i) =>
          over.has(f.option.supplierId)
            ? {
                ...f,
                maxUnits: Math.min(
                  f.maxUnits,
                  largestValidOrder(share[s]![i]!, f.option.minOrderQuantity, f.option.orderMultiple),
                ),
              }
            : f,
        )
        .filter((f) => f.maxUnits > 0 || !over.has(f.option.supplierId)),
    })),
  };
}
