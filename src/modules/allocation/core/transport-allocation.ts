/**
 * The fast allocator's exact core: several SKUs sharing hub capacity.
 *
 *   maximise Σ_(s,h) [a·E[min(D_sh, x_sh)] − b·x_sh] − Σ_s premium_s(Σ_h x_sh)
 *   s.t.     Σ_s x_sh ≤ C_h (hub capacity),  Σ_h x_sh ≤ supply_s,  x integer ≥ 0
 *
 * with a = c_fast + c_left (less the lane shipping cost of the pair's regions) and b = c_left + holding
 * (plus inbound freight to the hub), both per pair. Each pair's value is concave (marginal
 * a·P(D ≥ k) − b is non-increasing) and the premium curve is convex when fallbacks cost more
 * than the ones before them, so this is a convex-cost flow source → SKU → hub → sink.
 *
 * Why not greedy alone: the feasible set {x : Σ_s x ≤ C, Σ_h x ≤ supply} is the intersection of
 * two polymatroids (a transportation polytope), not one polymatroid. Greedy over marginals is
 * exact on a single polymatroid, so it is exact here whenever only one side binds: if no unit
 * was ever refused for hub capacity (or SKU side: stock limit or a premium step reached), the result is the per-SKU greedy (Gross/Fox); if none was
 * refused for SKU stock, it is the per-hub greedy. When both bind, greedy can be wrong
 * (2 SKUs × 2 hubs with values 10/9/9/0 and unit capacities: greedy 10, optimum 18).
 *
 * So: (1) greedy with a heap; (2) if both sides refused units, hub prices: a few subgradient
 * steps on the Lagrangian dual (one price per hub), each SKU's best response to the prices
 * repaired into a plan (overbooked hubs give back their least valuable units, greedy refills);
 * the dual of a network flow has no gap, so bound and plan close in on the optimum together;
 * (3) cancel negative cycles in the unit-step residual graph (Klein's cycle cancelling). For
 * separable convex costs a flow is optimal iff its unit-step residual graph has no negative
 * cycle, so when SPFA finds none the result is certified optimal. The source and sink are merged
 * into one node O, which makes the flow value free (we do not have to place every unit).
 *
 * Large instances (over 20,000 pairs, e.g. 1,000 SKUs × 100 hubs) skip (1), and (3) once the gap
 * is below 0.1%: the heap
 * greedy over every pair and SPFA over every arc cost more than the price rounds, which reach a
 * gap of 0.05% in about five rounds there.
 */
// Index reads end in `!` (type-only): indices are SKU, hub and pair numbers of the problem, within its arrays.
import { BinaryMaxHeap } from './binary-heap';

export interface TransportProblem {
  skuCount: number;
  hubCount: number;
  /** pairs sorted by SKU then hub; pairSkuStart[s]..pairSkuStart[s+1] are SKU s's pairs */
  pairSku: Int32Array;
  pairHub: Int32Array;
  pairSkuStart: Int32Array;
  /** survival[pairSurvivalStart[p] + k] = P(D ≥ k) for k < pairSurvivalLength[p], else 0 */
  survival: Float64Array;
  pairSurvivalStart: Int32Array;
  pairSurvivalLength: Int32Array;
  /** per SKU: value of a sale (c_fast + c_left) and cost of a placed unit (c_left + holding) */
  valuePerSale: Float64Array;
  costPerUnit: Float64Array;
  /** per pair, when lanes or inbound freight cost something: the pair's own value of a sale and cost of a placed unit */
  pairValuePerSale?: Float64Array;
  pairCostPerUnit?: Float64Array;
  hubCapacity: Float64Array;
  /** supply steps of SKU s: stepStart[s]..stepStart[s+1]; cumulative end units and unit premium */
  stepStart: Int32Array;
  stepEnd: Float64Array;
  stepPremium: Float64Array;
  /**
   * per pair, units placed before anything else (a regional reserve at its serving hub): each of
   * the first `pairFloor[p]` units gains `floorBonus` more. Values and bounds the solver returns
   * leave the bonus out.
   */
  pairFloor?: Int32Array;
  floorBonus?: number;
}

export interface TransportSolution {
  units: Int32Array;
  optimal: boolean;
  repaired: boolean;
  repairIterations: number;
  /** objective of `units` (without constants) */
  value: number;
  /** a proven upper bound on the optimum (Lagrangian, hub prices), when computed */
  upperBound: number | null;
}

const EPS = 1e-9;

export function pairGain(problem: TransportProblem, pair: number, unit: number): number {
  const survival =
    unit < problem.pairSurvivalLength[pair]! ? problem.survival[problem.pairSurvivalStart[pair]! + unit]! : 0;
  const bonus = problem.pairFloor !== undefined && unit <= problem.pairFloor[pair]! ? problem.floorBonus! : 0;
  if (problem.pairValuePerSale !== undefined && problem.pairCostPerUnit !== undefined)
    return problem.pairValuePerSale[pair]! * survival - problem.pairCostPerUnit[pair]! + bonus;
  const s = problem.pairSku[pair]!;
  return problem.valuePerSale[s]! * survival - problem.costPerUnit[s]! + bonus;
}

/** The bonus of the floor units in `units` (0 without floors): what the solver's values carry on top. */
function floorCredit(problem: TransportProblem, units: Int32Array): number {
  if (problem.pairFloor === undefined) return 0;
  let placed = 0;
  for (let p = 0; p < units.length; p += 1) placed += Math.min(units[p]!, problem.pairFloor[p]!);
  return placed * problem.floorBonus!;
}

/** Premium of the `unit`-th unit of SKU s (1-based); +∞ beyond its supply. */
export function unitPremium(problem: TransportProblem, sku: number, unit: number): number {
  for (let i = problem.stepStart[sku]!; i < problem.stepStart[sku + 1]!; i += 1) {
    if (unit <= problem.stepEnd[i]!) return problem.stepPremium[i]!;
  }
  return Number.POSITIVE_INFINITY;
}

export function skuSupply(problem: TransportProblem, sku: number): number {
  const last = problem.stepStart[sku + 1]! - 1;
  return last >= problem.stepStart[sku]! ? problem.stepEnd[last]! : 0;
}

export function solveTransportAllocation(
  problem: TransportProblem,
  maxRepairIterations = 20_000,
  maxRepairWork = 5_000_000,
): TransportSolution {
  const solution = solveWithFloorBonus(problem, maxRepairIterations, maxRepairWork);
  if (problem.pairFloor === undefined) return solution;
  // Floors met by the plan are met by the optimum too (the bonus outweighs any other gain), so the
  // bound less the same credit still bounds the plans that meet them.
  const credit = floorCredit(problem, solution.units);
  return {
    ...solution,
    value: solution.value - credit,
    upperBound: solution.upperBound === null ? null : solution.upperBound - credit,
  };
}

function solveWithFloorBonus(
  problem: TransportProblem,
  maxRepairIterations: number,
  maxRepairWork: number,
): TransportSolution {
  const pairCount = problem.pairSku.length;
  const units = new Int32Array(pairCount);
  const skuTotal = new Float64Array(problem.skuCount);
  const hubLoad = new Float64Array(problem.hubCount);
  const supply = new Float64Array(problem.skuCount);
  for (let s = 0; s < problem.skuCount; s += 1) supply[s] = skuSupply(problem, s);

  // (1) Greedy, on instances small enough for it: exact unless hub room and SKU stock both bind.
  // A large instance (over LARGE_PAIRS pairs) goes straight to hub prices, which need no greedy
  // start: the unit-by-unit heap over 100,000 pairs costs more than the price rounds themselves.
  const large = pairCount > LARGE_PAIRS;
  if (!large) {
    const refused = greedyFill(problem, units, skuTotal, hubLoad, supply);
    if (!(refused.forStock && refused.forHub)) {
      const value = solutionValue(problem, units);
      return { units, optimal: true, repaired: false, repairIterations: 0, value, upperBound: value };
    }
  }

  // (2) Hub prices: a few subgradient steps on the Lagrangian dual (weak duality gives the bound),
  // each followed by a primal repair of the SKUs' best responses. The transport problem is a
  // network flow, so the dual has no gap: the bound and the repaired plan meet as prices improve.
  const priced = improveWithHubPrices(problem, large ? null : { units, load: hubLoad });
  let bestUnits = priced.units;
  let value = priced.value;
  const upperBound = priced.upperBound;
  const closeEnough = (bound: number, v: number): boolean => bound - v <= 1e-9 * Math.max(1, Math.abs(bound));
  if (closeEnough(upperBound, value))
    return {
      units: bestUnits,
      optimal: true,
      repaired: priced.rounds > 1 || !large,
      repairIterations: priced.rounds,
      value,
      upperBound,
    };

  // (3) Cycle cancelling from the best plan, within a work budget: it certifies small instances;
  // on large ones the prices have already closed the gap to well below the budget's reach.
  const gap = (upperBound - value) / Math.max(1e-12, Math.abs(upperBound));
  if (large && gap <= 1e-3)
    return { units: bestUnits, optimal: false, repaired: true, repairIterations: priced.rounds, value, upperBound };
  const working = Int32Array.from(bestUnits);
  skuTotal.fill(0);
  hubLoad.fill(0);
  for (let p = 0; p < pairCount; p += 1) {
    skuTotal[problem.pairSku[p]!] += working[p]!;
    hubLoad[problem.pairHub[p]!] += working[p]!;
  }
  const repair = cancelNegativeCycles(problem, working, skuTotal, hubLoad, supply, maxRepairIterations, maxRepairWork);
  const repairedValue = solutionValue(problem, working);
  if (repairedValue >= value) {
    bestUnits = working;
    value = repairedValue;
  }
  const iterations = priced.rounds + repair.iterations;
  if (repair.converged)
    return { units: bestUnits, optimal: true, repaired: true, repairIterations: iterations, value, upperBound: value };
  return { units: bestUnits, optimal: false, repaired: true, repairIterations: iterations, value, upperBound };
}

/**
 * Greedy from the current units: the (SKU, hub) unit with the highest gain less premium first,
 * from a lazy max-heap (keys only fall: concave values, convex premiums). Says whether units were
 * refused for stock and for hub room (when both, greedy alone may not be optimal).
 */
function greedyFill(
  problem: TransportProblem,
  units: Int32Array,
  skuTotal: Float64Array,
  hubLoad: Float64Array,
  supply: Float64Array,
): { forStock: boolean; forHub: boolean } {
  const pairCount = units.length;
  const heap = new BinaryMaxHeap(pairCount);
  for (let p = 0; p < pairCount; p += 1) {
    const s = problem.pairSku[p]!;
    if (skuTotal[s]! >= supply[s]! || hubLoad[problem.pairHub[p]!]! >= problem.hubCapacity[problem.pairHub[p]!]!)
      continue;
    const key = pairGain(problem, p, units[p]! + 1) - unitPremium(problem, s, skuTotal[s]! + 1);
    if (key > EPS) heap.push(p, key);
  }
  let forStock = false;
  let forHub = false;
  while (heap.size > 0 && heap.topKey() > EPS) {
    const key = heap.topKey();
    const p = heap.pop();
    const s = problem.pairSku[p]!;
    const h = problem.pairHub[p]!;
    if (skuTotal[s]! >= supply[s]!) {
      forStock = true;
      continue;
    }
    if (hubLoad[h]! >= problem.hubCapacity[h]!) {
      forHub = true;
      continue;
    }
    const trueKey = pairGain(problem, p, units[p]! + 1) - unitPremium(problem, s, skuTotal[s]! + 1);
    if (trueKey < key - 1e-12) {
      if (trueKey > EPS) heap.push(p, trueKey);
      continue;
    }
    units[p] += 1;
    skuTotal[s] += 1;
    hubLoad[h] += 1;
    // A premium step couples a SKU's pairs exactly like a stock limit does.
    if (unitPremium(problem, s, skuTotal[s]! + 1) !== unitPremium(problem, s, skuTotal[s]!)) forStock = true;
    const nextKey = pairGain(problem, p, units[p]! + 1) - unitPremium(problem, s, skuTotal[s]! + 1);
    if (nextKey > EPS) heap.push(p, nextKey);
  }
  return { forStock, forHub };
}

/** Rounds of hub-price improvement, and the relative gap at which they stop (0.05%). */
const PRICE_ROUNDS = 12;
const PRICE_GAP = 5e-4;
/** Instances with more (SKU, hub) pairs skip the first greedy and cycle cancelling. */
const LARGE_PAIRS = 20_000;

/**
 * Lagrangian dual with hub prices λ: L(λ) = Σ λ_h C_h + Σ_s max_x [Σ_h (V_sh(x_sh) − λ_h x_sh) −
 * premium_s(Σ_h x_sh)] ≥ OPT for every λ ≥ 0. Starts from the least gain each full hub kept
 * under greedy (or from zero prices), then takes Polyak subgradient steps toward
 * the best plan's value, halving the step when L does not fall. After each evaluation the SKUs'
 * best responses (which ignore hub capacity) are repaired into a plan: each overbooked hub gives
 * back the units worth least, then greedy refills the room left. Returns the best plan and the
 * least bound seen.
 */
function improveWithHubPrices(
  problem: TransportProblem,
  greedy: { units: Int32Array; load: Float64Array } | null,
): { units: Int32Array; value: number; upperBound: number; rounds: number } {
  const H = problem.hubCount;
  const pairCount = problem.pairSku.length;
  let bestUnits = greedy ? Int32Array.from(greedy.units) : new Int32Array(pairCount);
  let bestValue = greedy ? solutionValue(problem, bestUnits) : 0;
  // Start: the least gain each full hub kept under greedy; without greedy, no price at all (each
  // SKU's plan alone, repaired).
  const kept = new Float64Array(H);
  if (greedy) {
    kept.fill(Number.POSITIVE_INFINITY);
    for (let p = 0; p < pairCount; p += 1) {
      const h = problem.pairHub[p]!;
      if (greedy.units[p]! > 0 && greedy.load[h]! >= problem.hubCapacity[h]!)
        kept[h] = Math.min(kept[h]!, pairGain(problem, p, greedy.units[p]!));
    }
    for (let h = 0; h < H; h += 1)
      if (!Number.isFinite(kept[h]!) || greedy.load[h]! < problem.hubCapacity[h]!) kept[h] = 0;
  }

  const response = new Int32Array(pairCount);
  const usage = new Float64Array(H);
  const supply = new Float64Array(problem.skuCount);
  for (let s = 0; s < problem.skuCount; s += 1) supply[s] = skuSupply(problem, s);
  const trimmed = new Float64Array(H);
  const pairsOfHub = hubPairLists(problem);
  const evaluate = (prices: Float64Array): number => {
    const bound = lagrangianResponse(problem, prices, response);
    usage.fill(0);
    for (let p = 0; p < pairCount; p += 1) usage[problem.pairHub[p]!] += response[p]!;
    const repaired = repairResponse(problem, response, supply, trimmed, pairsOfHub);
    const value = solutionValue(problem, repaired);
    if (value > bestValue) {
      bestValue = value;
      bestUnits = repaired;
    }
    return bound;
  };
  const subgradient = (prices: Float64Array): Float64Array => {
    const g = new Float64Array(H);
    for (let h = 0; h < H; h += 1) {
      g[h] = problem.hubCapacity[h]! - usage[h]!;
      if (prices[h]! <= 0 && g[h]! > 0) g[h] = 0; // a price at zero cannot fall
    }
    return g;
  };
  let bestPrices = kept;
  let bestBound = evaluate(kept);
  let bestGradient = subgradient(kept);
  let rounds = 1;
  if (!greedy) {
    // From zero prices, the gain each overbooked hub had to give back last is a first price.
    const start = Float64Array.from(trimmed);
    const bound = evaluate(start);
    rounds += 1;
    if (bound < bestBound) {
      bestBound = bound;
      bestPrices = start;
      bestGradient = subgradient(start);
    }
  }
  let theta = 1;
  const prices = new Float64Array(H);
  while (rounds < PRICE_ROUNDS) {
    const gap = (bestBound - bestValue) / Math.max(1e-12, Math.abs(bestBound));
    if (gap <= PRICE_GAP) break;
    let norm = 0;
    for (let h = 0; h < H; h += 1) norm += bestGradient[h]! * bestGradient[h]!;
    if (norm === 0) break;
    const step = (theta * (bestBound - bestValue)) / norm;
    for (let h = 0; h < H; h += 1) prices[h] = Math.max(0, bestPrices[h]! - step * bestGradient[h]!);
    const bound = evaluate(prices);
    rounds += 1;
    if (bound < bestBound) {
      bestBound = bound;
      bestPrices = Float64Array.from(prices);
      bestGradient = subgradient(prices);
    } else theta /= 2;
  }
  return { units: bestUnits, value: bestValue, upperBound: Math.max(bestBound, bestValue), rounds };
}

/**
 * A plan from the SKUs' best responses to hub prices: every overbooked hub gives back, one unit at
 * a time, the unit whose loss is least (its gain less the premium it saves), then greedy fills
 * what hub room and SKU stock are left. `trimmedGain[h]`: the gain of the last unit hub h gave back (0 if none).
 */
function repairResponse(
  problem: TransportProblem,
  response: Int32Array,
  supply: Float64Array,
  trimmedGain: Float64Array,
  pairsOfHub: readonly Int32Array[],
): Int32Array {
  const H = problem.hubCount;
  const units = Int32Array.from(response);
  const skuTotal = new Float64Array(problem.skuCount);
  const hubLoad = new Float64Array(H);
  for (let p = 0; p < units.length; p += 1) {
    skuTotal[problem.pairSku[p]!] += units[p]!;
    hubLoad[problem.pairHub[p]!] += units[p]!;
  }
  let over = false;
  trimmedGain.fill(0);
  for (let h = 0; h < H; h += 1) if (hubLoad[h]! > problem.hubCapacity[h]!) over = true;
  if (over) {
    const heap = new BinaryMaxHeap(64);
    const loss = (p: number): number => {
      const s = problem.pairSku[p]!;
      return pairGain(problem, p, units[p]!) - unitPremium(problem, s, skuTotal[s]!);
    };
    for (let h = 0; h < H; h += 1) {
      if (hubLoad[h]! <= problem.hubCapacity[h]!) continue;
      heap.size = 0;
      for (const p of pairsOfHub[h]!) if (units[p]! > 0) heap.push(p, -loss(p));
      while (hubLoad[h]! > problem.hubCapacity[h]! && heap.size > 0) {
        const key = heap.topKey();
        const p = heap.pop();
        const current = -loss(p);
        if (current < key - 1e-12) {
          heap.push(p, current); // its SKU gave back a unit elsewhere: the loss changed
          continue;
        }
        const s = problem.pairSku[p]!;
        trimmedGain[h] = Math.max(0, pairGain(problem, p, units[p]!));
        units[p] -= 1;
        skuTotal[s] -= 1;
        hubLoad[h] -= 1;
        if (units[p]! > 0) heap.push(p, -loss(p));
      }
    }
  }
  greedyFill(problem, units, skuTotal, hubLoad, supply);
  return units;
}

function hubPairLists(problem: TransportProblem): Int32Array[] {
  const count = new Int32Array(problem.hubCount);
  for (let p = 0; p < problem.pairHub.length; p += 1) count[problem.pairHub[p]!] += 1;
  const lists = Array.from(count, (n) => new Int32Array(n));
  count.fill(0);
  for (let p = 0; p < problem.pairHub.length; p += 1) {
    const h = problem.pairHub[p]!;
    lists[h]![count[h]!++] = p;
  }
  return lists;
}

/** Σ pairs [a·E[min(D, x)] − b·x] − Σ SKUs premium of their units. */
export function solutionValue(problem: TransportProblem, units: Int32Array): number {
  let value = 0;
  const skuTotal = new Float64Array(problem.skuCount);
  for (let p = 0; p < units.length; p += 1) {
    for (let k = 1; k <= units[p]!; k += 1) value += pairGain(problem, p, k);
    skuTotal[problem.pairSku[p]!] += units[p]!;
  }
  for (let s = 0; s < problem.skuCount; s += 1) {
    let done = 0;
    for (let i = problem.stepStart[s]!; i < problem.stepStart[s + 1]! && done < skuTotal[s]!; i += 1) {
      const take = Math.min(skuTotal[s]!, problem.stepEnd[i]!) - done;
      value -= take * problem.stepPremium[i]!;
      done += take;
    }
  }
  return value;
}

/**
 * Weak duality: for hub prices λ ≥ 0, OPT ≤ Σ_h λ_h C_h + Σ_s max_x [Σ_h (V_sh(x_sh) − λ_h x_sh)
 * − premium_s(Σ_h x_sh)], and the inner problem is one SKU alone (greedy is exact for it).
 */
export function lagrangianBound(problem: TransportProblem, hubPrice: Float64Array): number {
  return lagrangianResponse(problem, hubPrice, new Int32Array(problem.pairSku.length));
}

/** The Lagrangian bound at `hubPrice`, writing each SKU's best response (units per pair) into `units`. */
function lagrangianResponse(problem: TransportProblem, hubPrice: Float64Array, units: Int32Array): number {
  let bound = 0;
  for (let h = 0; h < problem.hubCount; h += 1) bound += hubPrice[h]! * problem.hubCapacity[h]!;
  units.fill(0);
  const heap = new BinaryMaxHeap(64);
  for (let s = 0; s < problem.skuCount; s += 1) {
    const first = problem.pairSkuStart[s]!;
    const last = problem.pairSkuStart[s + 1]!;
    heap.size = 0;
    for (let p = first; p < last; p += 1) heap.push(p, pairGain(problem, p, 1) - hubPrice[problem.pairHub[p]!]!);
    const supply = skuSupply(problem, s);
    for (let total = 0; total < supply && heap.size > 0; total += 1) {
      const gain = heap.topKey() - unitPremium(problem, s, total + 1);
      if (!(gain > 0)) break;
      const p = heap.pop();
      bound += gain;
      units[p] += 1;
      heap.push(p, pairGain(problem, p, units[p]! + 1) - hubPrice[problem.pairHub[p]!]!);
    }
  }
  return bound;
}

function cancelNegativeCycles(
  problem: TransportProblem,
  units: Int32Array,
  skuTotal: Float64Array,
  hubLoad: Float64Array,
  supply: Float64Array,
  maxIterations: number,
  maxWork: number,
): { converged: boolean; iterations: number } {
  let work = 0;
  const S = problem.skuCount;
  const H = problem.hubCount;
  const V = 1 + S + H; // node 0 = O (merged source/sink), 1..S = SKUs, S+1..S+H = hubs
  const pairCount = units.length;
  // Hub → pairs adjacency (CSR).
  const hubPairStart = new Int32Array(H + 1);
  for (let p = 0; p < pairCount; p += 1) hubPairStart[problem.pairHub[p]! + 1] += 1;
  for (let h = 0; h < H; h += 1) hubPairStart[h + 1] += hubPairStart[h]!;
  const hubPairs = new Int32Array(pairCount);
  const fill = hubPairStart.slice(0, H);
  for (let p = 0; p < pairCount; p += 1) hubPairs[fill[problem.pairHub[p]!]++] = p;

  const dist = new Float64Array(V);
  const parent = new Int32Array(V);
  const parentPair = new Int32Array(V);
  const inQueue = new Uint8Array(V);
  const queue = new Int32Array(V + 1);
  const stamp = new Int32Array(V);
  let stampCounter = 0;

  const arcCost = (u: number, v: number, pair: number): number => {
    if (u === 0)
      return v <= S
        ? skuTotal[v - 1]! < supply[v - 1]!
          ? unitPremium(problem, v - 1, skuTotal[v - 1]! + 1)
          : Number.POSITIVE_INFINITY
        : hubLoad[v - 1 - S]! > 0
          ? 0
          : Number.POSITIVE_INFINITY;
    if (v === 0)
      return u <= S
        ? skuTotal[u - 1]! > 0
          ? -unitPremium(problem, u - 1, skuTotal[u - 1]!)
          : Number.POSITIVE_INFINITY
        : hubLoad[u - 1 - S]! < problem.hubCapacity[u - 1 - S]!
          ? 0
          : Number.POSITIVE_INFINITY;
    if (u <= S) return -pairGain(problem, pair, units[pair]! + 1);
    return units[pair]! > 0 ? pairGain(problem, pair, units[pair]!) : Number.POSITIVE_INFINITY;
  };
  const applyArc = (u: number, v: number, pair: number): void => {
    if (u === 0) {
      if (v <= S) skuTotal[v - 1] += 1;
      else hubLoad[v - 1 - S] -= 1;
    } else if (v === 0) {
      if (u <= S) skuTotal[u - 1] -= 1;
      else hubLoad[u - 1 - S] += 1;
    } else if (u <= S) units[pair] += 1;
    else units[pair] -= 1;
  };

  /** A node on a cycle of the parent graph, or −1. */
  const findParentCycle = (): number => {
    // The parent graph is functional (one parent per node): walk each unvisited node until a
    // node of this walk repeats (cycle) or an earlier walk's node / the root is reached. O(V).
    const base = stampCounter;
    for (let start = 0; start < V; start += 1) {
      if (stamp[start]! > base) continue;
      stampCounter += 1;
      let v = start;
      while (v >= 0 && stamp[v]! <= base) {
        stamp[v] = stampCounter;
        v = parent[v]!;
      }
      if (v >= 0 && stamp[v] === stampCounter) return v;
    }
    return -1;
  };

  for (let iteration = 0; iteration < maxIterations; iteration += 1) {
    // SPFA from a virtual root linked to every node at cost 0.
    dist.fill(0);
    parent.fill(-1);
    parentPair.fill(-1);
    let head = 0;
    let tail = 0;
    for (let v = 0; v < V; v += 1) {
      queue[tail++] = v;
      inQueue[v] = 1;
    }
    let relaxations = 0;
    let cycleNode = -1;
    const relax = (u: number, v: number, pair: number, cost: number): void => {
      // Once a cycle is found, freeze the parent pointers so it can be read back intact.
      if (cycleNode >= 0) return;
      work += 1;
      const nd = dist[u]! + cost;
      if (nd < dist[v]! - EPS) {
        dist[v] = nd;
        parent[v] = u;
        parentPair[v] = pair;
        relaxations += 1;
        if (relaxations % V === 0 && cycleNode < 0) cycleNode = findParentCycle();
        if (!inQueue[v]!) {
          inQueue[v] = 1;
          queue[tail] = v;
          tail = tail === V ? 0 : tail + 1;
        }
      }
    };
    while (head !== tail && cycleNode < 0 && work < maxWork) {
      const u = queue[head]!;
      head = head === V ? 0 : head + 1;
      inQueue[u] = 0;
      if (u === 0) {
        for (let s = 0; s < S; s += 1)
          if (skuTotal[s]! < supply[s]!) relax(0, 1 + s, -1, unitPremium(problem, s, skuTotal[s]! + 1));
        for (let h = 0; h < H; h += 1) if (hubLoad[h]! > 0) relax(0, 1 + S + h, -1, 0);
      } else if (u <= S) {
        const s = u - 1;
        if (skuTotal[s]! > 0) relax(u, 0, -1, -unitPremium(problem, s, skuTotal[s]!));
        for (let p = problem.pairSkuStart[s]!; p < problem.pairSkuStart[s + 1]!; p += 1)
          relax(u, 1 + S + problem.pairHub[p]!, p, -pairGain(problem, p, units[p]! + 1));
      } else {
        const h = u - 1 - S;
        if (hubLoad[h]! < problem.hubCapacity[h]!) relax(u, 0, -1, 0);
        for (let i = hubPairStart[h]!; i < hubPairStart[h + 1]!; i += 1) {
          const p = hubPairs[i]!;
          if (units[p]! > 0) relax(u, 1 + problem.pairSku[p]!, p, pairGain(problem, p, units[p]!));
        }
      }
    }
    if (cycleNode < 0) cycleNode = findParentCycle();
    if (cycleNode < 0 && head === tail) return { converged: true, iterations: iteration };
    if (cycleNode < 0) return { converged: false, iterations: iteration }; // out of work budget

    // Collect the cycle (arcs parent[v] → v) and push units while it stays negative.
    const cycle: number[] = [];
    let v = cycleNode;
    do {
      cycle.push(v);
      v = parent[v]!;
    } while (v !== cycleNode && cycle.length <= V);
    if (v !== cycleNode) return { converged: false, iterations: iteration }; // defensive: never expected
    let pushed = 0;
    for (; pushed < 1_000_000; pushed += 1) {
      let total = 0;
      for (const node of cycle) total += arcCost(parent[node]!, node, parentPair[node]!);
      if (!(total < -EPS)) break;
      for (const node of cycle) applyArc(parent[node]!, node, parentPair[node]!);
    }
    if (pushed === 0) return { converged: false, iterations: iteration };
  }
  return { converged: false, iterations: maxIterations };
}
