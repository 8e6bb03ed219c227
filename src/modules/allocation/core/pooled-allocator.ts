/**
 * The pooled fast allocator: a region reachable within the promise from several hubs is served by
 * any of them, the same model as the sample-average LP. Per SKU and demand scenario, sales are the
 * maximum flow from regions (their scenario demand) through their hubs within the promise (lane
 * order lists them) to the hubs' units. That value is a gammoid rank in the hub units, so the
 * marginal value of one more unit at a hub never rises as units are added: greedy on exact
 * marginals (the share of scenarios in which the unit would be sold) with a lazy max-heap.
 *
 * The marginal of a unit at hub h in scenario w is 1 exactly when h is reachable in the residual
 * graph from a region whose demand is not yet met (an augmenting path). Each scenario keeps its
 * flow and its reachable hubs; a unit placed at h augments the scenarios that reach h and
 * recomputes their reachable sets. Hub capacity, SKU stock, supplier priority and premiums, and a
 * supplier's capacity over all its SKUs are enforced as units are placed.
 *
 * Certificate: a Lagrangian bound with one price per hub (the best gain the full hub refused);
 * each SKU alone is then solved by the same greedy, which is exact for one SKU (its value is
 * M♮-concave: gross substitutes), so the bound holds and the gap it gives is proven.
 */
// Index reads end in `!` (type-only): the typed arrays are sized in the constructor, and the scenario,
// region, hub and edge numbers used as indices stay below those sizes.
import { BinaryMaxHeap } from './binary-heap';
import type { PreparedInstance } from './plan-instance';
import type { Scenarios } from './scenarios';

const EPS = 1e-9;

export interface PooledSolution {
  /** units[s][h]: units of SKU s at hub h (global hub index) */
  units: Int32Array[];
  /** quantities[s][i]: units from the SKU's i-th feasible supplier */
  quantities: number[][];
  /** salesByEntry[s][i]: expected sales within the promise of the SKU's i-th demand entry */
  salesByEntry: Float64Array[];
  /** soldAtHub[s][h]: expected units sold from hub h */
  soldAtHub: Float64Array[];
  /** objective: value of sales − placement costs − premiums */
  value: number;
  /** improvement moves made after greedy */
  moves: number;
  /** proven upper bound on the optimum of the scenario model (Lagrangian) */
  upperBound: number;
}

/** One SKU's scenario flows: regions → hubs within the promise → hub units. */
class SkuFlows {
  readonly hubs: number[]; // local → global hub index
  readonly x: Int32Array;
  readonly count: Int32Array; // scenarios in which one more unit at the hub would sell
  private readonly E: number;
  private readonly J: number;
  private readonly F: number;
  private readonly entryIndex: number[]; // local entry → demand entry index
  private readonly demand: Float64Array; // [w * E + k]
  private readonly served: Int32Array; // [w * E + k]
  private readonly flow: Int32Array; // [w * F + f]
  private readonly load: Int32Array; // [w * J + j]
  private readonly reach: Uint8Array; // [w * J + j]
  private readonly edgeStart: Int32Array; // region k's edges: edgeStart[k]..edgeStart[k+1]
  private readonly edgeHub: Int32Array;
  private readonly edgeRegion: Int32Array;
  private readonly hubEdgeStart: Int32Array;
  private readonly hubEdges: Int32Array;
  // BFS scratch
  private readonly hubVia: Int32Array;
  private readonly regionVia: Int32Array;
  private readonly hubSeen: Int32Array;
  private readonly regionSeen: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;
  /** units sold over all scenarios (sales × N) */
  sold = 0;
  /** units sold from each local hub over all scenarios */
  readonly soldAt: Float64Array;

  constructor(
    prepared: PreparedInstance,
    s: number,
    scenarios: Scenarios,
    readonly N: number,
  ) {
    const entries = prepared.demandBySku[s]!;
    this.entryIndex = [];
    const hubSet = new Set<number>();
    entries.forEach((d, i) => {
      const cands = prepared.regions[d.region]!.candidates;
      if (cands.length === 0 || !(d.mean > 0)) return;
      this.entryIndex.push(i);
      for (const h of cands) hubSet.add(h);
    });
    this.hubs = [...hubSet].sort((a, b) => a - b);
    const local = new Map(this.hubs.map((h, j) => [h, j]));
    this.E = this.entryIndex.length;
    this.J = this.hubs.length;
    this.edgeStart = new Int32Array(this.E + 1);
    const edgeHub: number[] = [];
    const edgeRegion: number[] = [];
    this.entryIndex.forEach((i, k) => {
      this.edgeStart[k] = edgeHub.length;
      for (const h of prepared.regions[entries[i]!.region]!.candidates) {
        edgeHub.push(local.get(h)!);
        edgeRegion.push(k);
      }
    });
    this.edgeStart[this.E] = edgeHub.length;
    this.F = edgeHub.length;
    this.edgeHub = Int32Array.from(edgeHub);
    this.edgeRegion = Int32Array.from(edgeRegion);
    this.hubEdgeStart = new Int32Array(this.J + 1);
    for (const j of edgeHub) this.hubEdgeStart[j + 1] += 1;
    for (let j = 0; j < this.J; j += 1) this.hubEdgeStart[j + 1] += this.hubEdgeStart[j]!;
    this.hubEdges = new Int32Array(this.F);
    const fill = this.hubEdgeStart.slice(0, this.J);
    for (let f = 0; f < this.F; f += 1) this.hubEdges[fill[edgeHub[f]!]++] = f;

    this.demand = new Float64Array(N * this.E);
    this.entryIndex.forEach((i, k) => {
      const d = scenarios.demand[s]![i]!;
      for (let w = 0; w < N; w += 1) this.demand[w * this.E + k] = d[w]!;
    });
    this.served = new Int32Array(N * this.E);
    this.flow = new Int32Array(N * this.F);
    this.load = new Int32Array(N * this.J);
    this.reach = new Uint8Array(N * this.J);
    this.x = new Int32Array(this.J);
    this.count = new Int32Array(this.J);
    this.soldAt = new Float64Array(this.J);
    this.hubVia = new Int32Array(this.J);
    this.regionVia = new Int32Array(this.E);
    this.hubSeen = new Int32Array(this.J);
    this.regionSeen = new Int32Array(this.E);
    this.queue = new Int32Array(this.E);
    for (let w = 0; w < N; w += 1) this.refreshReach(w);
  }

  /** Breadth-first search of the residual graph from the unmet regions; stops early at `target` (≥ 0). */
  private search(w: number, target: number): boolean {
    this.stamp += 1;
    const stamp = this.stamp;
    const E = this.E;
    let head = 0;
    let tail = 0;
    for (let k = 0; k < E; k += 1) {
      if (this.served[w * E + k]! < this.demand[w * E + k]!) {
        this.regionSeen[k] = stamp;
        this.regionVia[k] = -1;
        this.queue[tail++] = k;
      }
    }
    while (head < tail) {
      const k = this.queue[head++]!;
      for (let f = this.edgeStart[k]!; f < this.edgeStart[k + 1]!; f += 1) {
        const j = this.edgeHub[f]!;
        if (this.hubSeen[j] === stamp) continue;
        this.hubSeen[j] = stamp;
        this.hubVia[j] = f;
        if (j === target) return true;
        for (let e = this.hubEdgeStart[j]!; e < this.hubEdgeStart[j + 1]!; e += 1) {
          const f2 = this.hubEdges[e]!;
          const k2 = this.edgeRegion[f2]!;
          if (this.regionSeen[k2] === stamp || this.flow[w * this.F + f2]! <= 0) continue;
          this.regionSeen[k2] = stamp;
          this.regionVia[k2] = f2;
          this.queue[tail++] = k2;
        }
      }
    }
    return false;
  }

  private refreshReach(w: number): void {
    this.search(w, -1);
    const stamp = this.stamp;
    for (let j = 0; j < this.J; j += 1) {
      const now = this.hubSeen[j] === stamp ? 1 : 0;
      const before = this.reach[w * this.J + j]!;
      if (now !== before) {
        this.reach[w * this.J + j] = now;
        this.count[j] += now - before;
      }
    }
  }

  /** One more unit at local hub j: every scenario that can sell it does. */
  add(j: number): void {
    this.x[j] += 1;
    for (let w = 0; w < this.N; w += 1) {
      if (this.reach[w * this.J + j] === 0) continue;
      if (!this.search(w, j)) continue; // never expected: reach says it is reachable
      let f = this.hubVia[j]!;
      for (;;) {
        this.flow[w * this.F + f] += 1;
        const k = this.edgeRegion[f]!;
        const back = this.regionVia[k]!;
        if (back < 0) {
          this.served[w * this.E + k] += 1;
          this.sold += 1;
          break;
        }
        this.flow[w * this.F + back] -= 1;
        f = this.hubVia[this.edgeHub[back]!]!;
      }
      this.load[w * this.J + j] += 1;
      this.soldAt[j] += 1;
      this.refreshReach(w);
    }
  }

  /**
   * From a saturated hub j in scenario w, a path that moves one unit of its flow to a hub with
   * spare units: j → a region it serves → another hub of that region, and on. Returns the spare
   * hub reached (its path in hubVia/regionVia), or −1.
   */
  private searchReroute(w: number, j: number): number {
    this.stamp += 1;
    const stamp = this.stamp;
    let head = 0;
    const hq: number[] = [j];
    this.hubSeen[j] = stamp;
    this.hubVia[j] = -1;
    while (head < hq.length) {
      const hub = hq[head++]!;
      for (let e = this.hubEdgeStart[hub]!; e < this.hubEdgeStart[hub + 1]!; e += 1) {
        const f = this.hubEdges[e]!;
        if (this.flow[w * this.F + f]! <= 0) continue;
        const k = this.edgeRegion[f]!;
        if (this.regionSeen[k] === stamp) continue;
        this.regionSeen[k] = stamp;
        this.regionVia[k] = f; // reached from hub `hub` by taking flow off edge f
        for (let f2 = this.edgeStart[k]!; f2 < this.edgeStart[k + 1]!; f2 += 1) {
          const j2 = this.edgeHub[f2]!;
          if (this.hubSeen[j2] === stamp) continue;
          this.hubSeen[j2] = stamp;
          this.hubVia[j2] = f2; // reached from region k by adding flow on edge f2
          if (this.load[w * this.J + j2]! < this.x[j2]!) return j2;
          hq.push(j2);
        }
      }
    }
    return -1;
  }

  /** Scenarios in which one unit fewer at hub j would sell one unit fewer. */
  removalLoss(j: number): number {
    let loss = 0;
    for (let w = 0; w < this.N; w += 1) {
      if (this.load[w * this.J + j]! < this.x[j]!) continue;
      if (this.searchReroute(w, j) < 0) loss += 1;
    }
    return loss;
  }

  /** One unit fewer at local hub j: its flow moves to a spare hub where it can, else a sale is lost. */
  remove(j: number): void {
    this.x[j] -= 1;
    for (let w = 0; w < this.N; w += 1) {
      if (this.load[w * this.J + j]! <= this.x[j]!) continue;
      const spare = this.searchReroute(w, j);
      if (spare >= 0) {
        let hub = spare;
        while (hub !== j) {
          const f2 = this.hubVia[hub]!;
          this.flow[w * this.F + f2] += 1;
          const f = this.regionVia[this.edgeRegion[f2]!]!;
          this.flow[w * this.F + f] -= 1;
          hub = this.edgeHub[f]!;
        }
        this.load[w * this.J + spare] += 1;
        this.soldAt[spare] += 1;
      } else {
        for (let e = this.hubEdgeStart[j]!; e < this.hubEdgeStart[j + 1]!; e += 1) {
          const f = this.hubEdges[e]!;
          if (this.flow[w * this.F + f]! > 0) {
            this.flow[w * this.F + f] -= 1;
            this.served[w * this.E + this.edgeRegion[f]!] -= 1;
            this.sold -= 1;
            break;
          }
        }
      }
      this.load[w * this.J + j] -= 1;
      this.soldAt[j] -= 1;
      this.refreshReach(w);
    }
  }

  /** Expected sales of each demand entry and at each hub (scenario averages). */
  results(entryCount: number, hubCount: number): { byEntry: Float64Array; byHub: Float64Array; total: number } {
    const byEntry = new Float64Array(entryCount);
    const byHub = new Float64Array(hubCount);
    let total = 0;
    for (let w = 0; w < this.N; w += 1) {
      for (let k = 0; k < this.E; k += 1) byEntry[this.entryIndex[k]!] += this.served[w * this.E + k]! / this.N;
      for (let j = 0; j < this.J; j += 1) byHub[this.hubs[j]!] += this.load[w * this.J + j]! / this.N;
    }
    for (const v of byEntry) total += v;
    return { byEntry, byHub, total };
  }
}

/** Scenario cells the pooled allocator holds in memory (demand entries × scenarios, summed over SKUs). */
export function pooledCells(prepared: PreparedInstance, scenarioCount: number): number {
  let entries = 0;
  for (const list of prepared.demandBySku)
    for (const d of list) if (d.mean > 0 && prepared.regions[d.region]!.candidates.length > 0) entries += 1;
  return entries * scenarioCount;
}

/** Value of one sale of SKU s from (global) hub h, and cost of one unit placed there. */
function saleValue(prepared: PreparedInstance, s: number, h: number): number {
  return prepared.hubSaleValue[s * prepared.hubs.length + h]!;
}
function placeCost(prepared: PreparedInstance, s: number, h: number): number {
  return prepared.hubPlaceCost[s * prepared.hubs.length + h]!;
}

/** A SKU's objective on its scenario flows, premiums aside. */
function flowValue(prepared: PreparedInstance, s: number, fl: SkuFlows, N: number): number {
  let value = 0;
  fl.hubs.forEach(
    (h, j) => (value += (saleValue(prepared, s, h) * fl.soldAt[j]!) / N - placeCost(prepared, s, h) * fl.x[j]!),
  );
  return value;
}

interface SupplyState {
  /** units taken from each feasible supplier of each SKU */
  used: number[][];
  /** units left at each supplier over all its SKUs */
  left: Map<string, number>;
}

/** Premium of the SKU's next unit (its first supplier in priority order with room), or +∞. */
function nextPremium(prepared: PreparedInstance, supply: SupplyState, s: number): number {
  const suppliers = prepared.skus[s]!.suppliers;
  for (let i = 0; i < suppliers.length; i += 1) {
    const f = suppliers[i]!;
    if (supply.used[s]![i]! < f.maxUnits && (supply.left.get(f.option.supplierId) ?? 0) > 0) return f.premium;
  }
  return Number.POSITIVE_INFINITY;
}

/** Give back the SKU's last unit (its lowest-priority supplier in use); returns the premium saved. */
function returnUnit(prepared: PreparedInstance, supply: SupplyState, s: number): number {
  const suppliers = prepared.skus[s]!.suppliers;
  for (let i = suppliers.length - 1; i >= 0; i -= 1) {
    if (supply.used[s]![i]! > 0) {
      const id = suppliers[i]!.option.supplierId;
      supply.used[s]![i] -= 1;
      supply.left.set(id, (supply.left.get(id) ?? 0) + 1);
      return suppliers[i]!.premium;
    }
  }
  return 0;
}

/**
 * Improvement moves after greedy: (a) at a full hub, one unit of a SKU for one unit of another;
 * (b) one unit of a SKU from one hub to another with room. A move is made only if it raises the
 * objective, measured on the scenario flows; at most `maxMoves` moves.
 */
function improve(
  prepared: PreparedInstance,
  flows: SkuFlows[],
  supply: SupplyState,
  N: number,
  maxMoves: number,
): number {
  const H = prepared.hubs.length;
  const hubLoad = new Float64Array(H);
  flows.forEach((fl) => fl.hubs.forEach((h, j) => (hubLoad[h] += fl.x[j]!)));
  const skuValue = (s: number): number => flowValue(prepared, s, flows[s]!, N);
  let moves = 0;
  const fill = (): void => {
    // units worth placing where a hub has room (after a move freed a slot or stock)
    for (let more = true; more;) {
      more = false;
      flows.forEach((fl, s) =>
        fl.hubs.forEach((h2, j) => {
          if (hubLoad[h2]! >= prepared.hubCapacity[h2]!) return;
          const p = nextPremium(prepared, supply, s);
          const gain = (saleValue(prepared, s, h2) * fl.count[j]!) / N - placeCost(prepared, s, h2) - p;
          if (!(gain > 1e-9)) return;
          takeUnit(prepared, supply, s);
          fl.add(j);
          hubLoad[h2] += 1;
          more = true;
        }),
      );
    }
  };
  /** A move: take one unit of each `out` pair away, then add one unit at each `in` pair. */
  type Pair = { s: number; j: number };
  const tryMove = (out: Pair[], inn: Pair[]): boolean => {
    const skus = [...new Set([...out, ...inn].map((p) => p.s))];
    const before = skus.reduce((sum, s) => sum + skuValue(s), 0);
    let premiumDelta = 0;
    for (const p of out) {
      flows[p.s]!.remove(p.j);
      hubLoad[flows[p.s]!.hubs[p.j]!] -= 1;
      premiumDelta -= returnUnit(prepared, supply, p.s);
    }
    const added: Pair[] = [];
    let ok = true;
    for (const p of inn) {
      const h = flows[p.s]!.hubs[p.j]!;
      const premium = nextPremium(prepared, supply, p.s);
      if (!Number.isFinite(premium) || hubLoad[h]! >= prepared.hubCapacity[h]!) {
        ok = false;
        break;
      }
      premiumDelta += takeUnit(prepared, supply, p.s);
      flows[p.s]!.add(p.j);
      hubLoad[h] += 1;
      added.push(p);
    }
    const after = skus.reduce((sum, s) => sum + skuValue(s), 0);
    if (ok && after - before - premiumDelta > 1e-9) return true;
    for (const p of added) {
      flows[p.s]!.remove(p.j);
      hubLoad[flows[p.s]!.hubs[p.j]!] -= 1;
      returnUnit(prepared, supply, p.s);
    }
    for (const p of out) {
      takeUnit(prepared, supply, p.s);
      flows[p.s]!.add(p.j);
      hubLoad[flows[p.s]!.hubs[p.j]!] += 1;
    }
    return false;
  };
  while (moves < maxMoves) {
    const loss = flows.map((fl, s) =>
      Float64Array.from(fl.hubs, (h, j) =>
        fl.x[j]! > 0 ? (saleValue(prepared, s, h) * fl.removalLoss(j)) / N - placeCost(prepared, s, h) : Infinity,
      ),
    );
    const add = flows.map((fl, s) =>
      Float64Array.from(fl.hubs, (h, j) => (saleValue(prepared, s, h) * fl.count[j]!) / N - placeCost(prepared, s, h)),
    );
    const localOf = flows.map((fl) => new Map(fl.hubs.map((h, j) => [h, j])));
    const candidates: { gain: number; out: Pair[]; inn: Pair[] }[] = [];
    flows.forEach((fl, s) =>
      fl.hubs.forEach((h1, j1) => {
        if (!Number.isFinite(loss[s]![j1]!)) return;
        // (a) the same SKU to another of its hubs; (b) another SKU into this hub slot;
        // (c) a swap: this SKU to hub h2, another SKU from h2 to this hub
        fl.hubs.forEach((h2, j2) => {
          if (j2 === j1) return;
          candidates.push({ gain: add[s]![j2]! - loss[s]![j1]!, out: [{ s, j: j1 }], inn: [{ s, j: j2 }] });
          flows.forEach((fl2, s2) => {
            if (s2 === s) return;
            const k2 = localOf[s2]!.get(h2);
            const k1 = localOf[s2]!.get(h1);
            if (k2 === undefined || k1 === undefined || !Number.isFinite(loss[s2]![k2]!)) return;
            candidates.push({
              gain: add[s]![j2]! + add[s2]![k1]! - loss[s]![j1]! - loss[s2]![k2]!,
              out: [
                { s, j: j1 },
                { s: s2, j: k2 },
              ],
              inn: [
                { s, j: j2 },
                { s: s2, j: k1 },
              ],
            });
          });
        });
        flows.forEach((fl2, s2) => {
          if (s2 === s) return;
          const k1 = localOf[s2]!.get(h1);
          if (k1 === undefined) return;
          candidates.push({ gain: add[s2]![k1]! - loss[s]![j1]!, out: [{ s, j: j1 }], inn: [{ s: s2, j: k1 }] });
        });
      }),
    );
    candidates.sort((p, q) => q.gain - p.gain);
    let moved = false;
    for (const c of candidates) {
      if (!(c.gain > 1e-9)) break;
      if (tryMove(c.out, c.inn)) {
        moved = true;
        moves += 1;
        fill();
        break;
      }
    }
    if (!moved) break;
  }
  return moves;
}

function takeUnit(prepared: PreparedInstance, supply: SupplyState, s: number): number {
  const suppliers = prepared.skus[s]!.suppliers;
  for (let i = 0; i < suppliers.length; i += 1) {
    const f = suppliers[i]!;
    const left = supply.left.get(f.option.supplierId) ?? 0;
    if (supply.used[s]![i]! < f.maxUnits && left > 0) {
      supply.used[s]![i] += 1;
      supply.left.set(f.option.supplierId, left - 1);
      return f.premium;
    }
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Greedy over (SKU, hub) pairs. `hubPrice` (Lagrangian run): hub capacity is dropped, each unit at
 * hub h pays its price, and `skus` limits the run to some SKUs.
 */
function greedy(
  prepared: PreparedInstance,
  scenarios: Scenarios,
  hubPrice: Float64Array | null,
  skus: number[],
): { flows: (SkuFlows | null)[]; supply: SupplyState; value: number; refusedPrice: Float64Array } {
  const S = prepared.skus.length;
  const N = scenarios.count;
  const flows: (SkuFlows | null)[] = Array.from({ length: S }, () => null);
  for (const s of skus) flows[s] = new SkuFlows(prepared, s, scenarios, N);
  const supply: SupplyState = {
    used: prepared.skus.map((sku) => sku.suppliers.map(() => 0)),
    left: new Map(prepared.supplierCapacity),
  };
  const hubLoad = new Float64Array(prepared.hubs.length);
  const refusedPrice = new Float64Array(prepared.hubs.length);
  const pairStart = new Int32Array(S + 1);
  for (let s = 0; s < S; s += 1) pairStart[s + 1] = pairStart[s]! + (flows[s]?.hubs.length ?? 0);
  const pairSku = new Int32Array(pairStart[S]!);
  for (let s = 0; s < S; s += 1) pairSku.fill(s, pairStart[s]!, pairStart[s + 1]!);
  const gain = (s: number, j: number): number => {
    const fl = flows[s]!;
    const h = fl.hubs[j]!;
    const price = hubPrice ? hubPrice[h]! : 0;
    return (saleValue(prepared, s, h) * fl.count[j]!) / N - placeCost(prepared, s, h) - price;
  };
  const heap = new BinaryMaxHeap(Math.max(16, pairStart[S]!));
  for (const s of skus) {
    const premium = nextPremium(prepared, supply, s);
    for (let j = 0; j < flows[s]!.hubs.length; j += 1) {
      const key = gain(s, j) - premium;
      if (key > EPS) heap.push(pairStart[s]! + j, key);
    }
  }
  let value = 0;
  while (heap.size > 0 && heap.topKey() > EPS) {
    const key = heap.topKey();
    const p = heap.pop();
    const s = pairSku[p]!;
    const j = p - pairStart[s]!;
    const fl = flows[s]!;
    const h = fl.hubs[j]!;
    const premium = nextPremium(prepared, supply, s);
    if (!Number.isFinite(premium)) continue; // SKU stock exhausted: never comes back
    const trueKey = gain(s, j) - premium;
    if (trueKey < key - 1e-12) {
      if (trueKey > EPS) heap.push(p, trueKey);
      continue;
    }
    if (!hubPrice && hubLoad[h]! >= prepared.hubCapacity[h]!) {
      const refused = trueKey + premium;
      if (refused > refusedPrice[h]!) refusedPrice[h] = refused;
      continue;
    }
    value += trueKey;
    takeUnit(prepared, supply, s);
    fl.add(j);
    hubLoad[h] += 1;
    const next = gain(s, j) - nextPremium(prepared, supply, s);
    if (next > EPS) heap.push(p, next);
  }
  return { flows, supply, value, refusedPrice };
}

export function solvePooledAllocation(
  prepared: PreparedInstance,
  scenarios: Scenarios,
  maxMoves = 2_000,
  maxImprovePairs = 400,
): PooledSolution {
  const S = prepared.skus.length;
  const H = prepared.hubs.length;
  const all = prepared.skus.map((_, s) => s);
  const run = greedy(prepared, scenarios, null, all);
  // Improvement moves look at every pair of placed units: worth it on instances of a few hundred
  // (SKU, hub) pairs; past that the greedy plan stands, with its Lagrangian gap.
  const pairs = run.flows.reduce((sum, f) => sum + (f?.hubs.length ?? 0), 0);
  const moves =
    pairs <= maxImprovePairs
      ? improve(
          prepared,
          run.flows.map((f) => f!),
          run.supply,
          scenarios.count,
          maxMoves,
        )
      : 0;
  let value = 0;
  let premiums = 0;
  prepared.skus.forEach((sku, s) => {
    value += flowValue(prepared, s, run.flows[s]!, scenarios.count);
    sku.suppliers.forEach((f, i) => (premiums += f.premium * run.supply.used[s]![i]!));
  });
  value -= premiums;
  const units = prepared.skus.map(() => new Int32Array(H));
  const salesByEntry: Float64Array[] = [];
  const soldAtHub: Float64Array[] = [];
  for (let s = 0; s < S; s += 1) {
    const fl = run.flows[s]!;
    fl.hubs.forEach((h, j) => (units[s]![h] = fl.x[j]!));
    const r = fl.results(prepared.demandBySku[s]!.length, H);
    salesByEntry.push(r.byEntry);
    soldAtHub.push(r.byHub);
  }
  // Lagrangian bound: hub capacity priced at the best gain each full hub refused. Each SKU then
  // stands alone except for shared supplier capacity, which the bound drops (a relaxation).
  let upperBound = value; // nothing coupled the SKUs: greedy is exact
  if (!prepared.uniformLaneCosts) {
    // Lanes of different costs: greedy is not exact even for one SKU (its sales are routed by
    // reachability, not cost). A proven bound: every sale of SKU s is worth at most a_s less its
    // cheapest lane, a model with one sale value per SKU where the Lagrangian bound holds again.
    upperBound = relaxedBound(prepared, scenarios);
  } else if (run.refusedPrice.some((p) => p > 0) || sharesSupplier(prepared)) {
    let bound = 0;
    for (let h = 0; h < H; h += 1) bound += run.refusedPrice[h]! * prepared.hubCapacity[h]!;
    for (let s = 0; s < S; s += 1) {
      const alone = { ...prepared, supplierCapacity: new Map(prepared.supplierCapacity) };
      bound += greedy(alone, scenarios, run.refusedPrice, [s]).value;
    }
    upperBound = bound;
  }
  return {
    moves,
    units,
    quantities: run.supply.used,
    salesByEntry,
    soldAtHub,
    value,
    upperBound: Math.max(upperBound, value),
  };
}

/** The Lagrangian bound of the instance with each SKU's sales valued at its cheapest lane (≥ the optimum). */
function relaxedBound(prepared: PreparedInstance, scenarios: Scenarios): number {
  const H = prepared.hubs.length;
  const hubSaleValue = new Float64Array(prepared.hubSaleValue.length);
  prepared.demandBySku.forEach((list, s) => {
    let cheapest = Number.POSITIVE_INFINITY;
    for (const d of list)
      if (d.mean > 0) for (const cost of prepared.regions[d.region]!.laneCosts) cheapest = Math.min(cheapest, cost);
    const value = prepared.valuePerSale[s]! - (Number.isFinite(cheapest) ? cheapest : 0);
    hubSaleValue.fill(value, s * H, (s + 1) * H);
  });
  const relaxed: PreparedInstance = { ...prepared, hubSaleValue, uniformLaneCosts: true };
  const all = prepared.skus.map((_, s) => s);
  const run = greedy(relaxed, scenarios, null, all);
  let bound = 0;
  for (let h = 0; h < H; h += 1) bound += run.refusedPrice[h]! * prepared.hubCapacity[h]!;
  for (const s of all) {
    const alone = { ...relaxed, supplierCapacity: new Map(prepared.supplierCapacity) };
    bound += greedy(alone, scenarios, run.refusedPrice, [s]).value;
  }
  return bound;
}

function sharesSupplier(prepared: PreparedInstance): boolean {
  const seen = new Set<string>();
  for (const sku of prepared.skus)
    for (const f of sku.suppliers) {
      if (seen.has(f.option.supplierId)) return true;
      seen.add(f.option.supplierId);
    }
  return false;
}
