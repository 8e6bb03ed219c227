/**
 * The exact tool for pooled regions: a sample-average LP solved by HiGHS.
 *
 *   maximise  Σ_w Σ ((a − ship[r,h])/N) y[w,r,h,s] − Σ (b + freight[h,s]) x[h,s] − Σ premium_f z[f,s]
 *   s.t.      Σ_s x[h,s] ≤ C_h                       hub capacity
 *             Σ_h x[h,s] = Σ_f z[f,s], z ≤ supply_f   stock arriving in time
 *             Σ_h y[w,r,h,s] ≤ D[w,r,s]              sales ≤ demand, per scenario and region
 *             Σ_r y[w,r,h,s] ≤ x[h,s]                sales ≤ stock, per scenario and hub
 *
 * with a = c_fast + c_left, b = c_left + holding, ship the lane's shipping cost per unit (cost
 * shifts applied), freight the inbound freight to the hub, y only over hubs within the promise.
 * With free lanes any unit sold within the promise is worth the same, so letting the LP route a
 * region's demand to any of its hubs is the same value as the "fastest first, then the next" rule
 * whenever stock allows (an upper bound on a strict fall-through rule); with costed lanes the LP
 * ships each sale on the cheapest lane that has stock. Integer units: the relaxation is often
 * integral (network structure, integer samples); if not, or if min order / multiple rules apply,
 * the MIP is solved and the gap to the relaxation is reported.
 */
// Index reads end in `!` (type-only): indices are SKU, hub, region and scenario numbers of the prepared
// instance, within its arrays.
import type { AllocationPlan, AllocationPolicy } from './plan-types';
import type { PreparedInstance } from './plan-instance';
import { floorBonus, sharedSuppliers } from './plan-instance';
import { buildSupplierOrders, describeRegions, listSkuIssues, planTotals } from './plan-report';
import { planAllocationFast } from './fast-allocator';
import { solveLpText } from './highs-solver';
import { buildScenarios } from './scenarios';

// above HiGHS's dual feasibility tolerance (1e-7), far below any real cost
const TIE_BREAK = 1e-5;

function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(15);
}

class LpWriter {
  private lines: string[] = [];
  private current: string[] = [];
  term(coefficient: number, name: string): void {
    if (coefficient === 0) return;
    this.current.push(`${coefficient < 0 ? '-' : '+'} ${num(Math.abs(coefficient))} ${name}`);
    if (this.current.length >= 8) this.flush();
  }
  flush(): void {
    if (this.current.length > 0) this.lines.push(` ${this.current.join(' ')}`);
    this.current = [];
  }
  line(text: string): void {
    this.flush();
    this.lines.push(text);
  }
  toString(): string {
    this.flush();
    return this.lines.join('\n');
  }
}

export async function solveSampleAverageLp(
  prepared: PreparedInstance,
  policy: AllocationPolicy,
): Promise<AllocationPlan> {
  const { count: N, demand } = buildScenarios(prepared, policy);
  const S = prepared.skus.length;
  const H = prepared.hubs.length;
  // Hubs each SKU can use: candidates of its regions with demand, and hubs with a floor for it.
  const floorAt = (s: number, h: number): number => prepared.hubFloor?.[s * H + h] ?? 0;
  const skuHubs: number[][] = prepared.demandBySku.map((list, s) => {
    const set = new Set<number>();
    for (const d of list) if (d.mean > 0) for (const h of prepared.regions[d.region]!.candidates) set.add(h);
    for (let h = 0; h < H; h += 1) if (floorAt(s, h) > 0) set.add(h);
    return [...set].sort((a, b) => a - b);
  });
  // A floor's units f ≤ x earn a bonus worth more than any other unit (see `floorBonus`), taken
  // off the objective again below: the LP places them first when stock and room allow.
  const bonus = prepared.hubFloor === null ? 0 : floorBonus(prepared);
  const floors: { s: number; h: number; name: string; units: number }[] = [];
  for (let s = 0; s < S; s += 1)
    for (const h of skuHubs[s]!) if (floorAt(s, h) > 0) floors.push({ s, h, name: `f${s}_${h}`, units: floorAt(s, h) });
  const withoutBonus = (objective: number, cols: Record<string, { Primal?: number }>): number =>
    objective - bonus * floors.reduce((sum, f) => sum + (cols[f.name]?.Primal ?? 0), 0);
  const needsMip = prepared.skus.some((sku) =>
    sku.suppliers.some((f) => f.option.minOrderQuantity > 1 || f.option.orderMultiple > 1),
  );

  const supplierIds = [...prepared.supplierCapacity.keys()].sort();
  const supplierIndex = (id: string): number => supplierIds.indexOf(id);
  const build = (integer: boolean): string => {
    const w = new LpWriter();
    w.line('Maximize');
    w.line(' obj:');
    for (let s = 0; s < S; s += 1) {
      // A unit no scenario sells is never placed, even when placing it costs nothing (a tie).
      for (const h of skuHubs[s]!) w.term(-(prepared.hubPlaceCost[s * H + h]! + TIE_BREAK), `x${s}_${h}`);
      prepared.skus[s]!.suppliers.forEach((f, i) => w.term(-f.premium, `z${s}_${i}`));
      prepared.demandBySku[s]!.forEach((d, i) => {
        const region = prepared.regions[d.region]!;
        const cands = region.candidates;
        // a sale is worth a less the cost of the lane it ships on
        const a = cands.map((_, c) => (prepared.valuePerSale[s]! - region.laneCosts[c]!) / N);
        for (let sc = 0; sc < N; sc += 1)
          if (demand[s]![i]![sc]! > 0) for (let c = 0; c < cands.length; c += 1) w.term(a[c]!, `y${s}_${i}_${sc}_${c}`);
      });
    }
    for (const f of floors) w.term(bonus, f.name);
    w.line('Subject To');
    for (const f of floors) w.line(` fl${f.s}_${f.h}: ${f.name} - x${f.s}_${f.h} <= 0`);
    for (let h = 0; h < H; h += 1) {
      const terms: number[] = [];
      for (let s = 0; s < S; s += 1) if (skuHubs[s]!.includes(h)) terms.push(s);
      if (terms.length === 0) continue;
      w.line(` cap${h}:`);
      for (const s of terms) w.term(1, `x${s}_${h}`);
      w.line(` <= ${num(prepared.hubCapacity[h]!)}`);
    }
    for (let s = 0; s < S; s += 1) {
      if (skuHubs[s]!.length === 0) continue;
      w.line(` sup${s}:`);
      for (const h of skuHubs[s]!) w.term(1, `x${s}_${h}`);
      prepared.skus[s]!.suppliers.forEach((_, i) => w.term(-1, `z${s}_${i}`));
      w.line(' = 0');
      const perHub = new Map<number, string[]>();
      prepared.demandBySku[s]!.forEach((d, i) => {
        const cands = prepared.regions[d.region]!.candidates;
        if (cands.length === 0 || !(d.mean > 0)) return;
        for (let sc = 0; sc < N; sc += 1) {
          const D = demand[s]![i]![sc]!;
          if (D <= 0) continue;
          w.line(` d${s}_${i}_${sc}:`);
          for (let c = 0; c < cands.length; c += 1) {
            w.term(1, `y${s}_${i}_${sc}_${c}`);
            const key = cands[c]! * N + sc;
            let list = perHub.get(key);
            if (list === undefined) perHub.set(key, (list = []));
            list.push(`y${s}_${i}_${sc}_${c}`);
          }
          w.line(` <= ${num(D)}`);
        }
      });
      for (const [key, names] of [...perHub.entries()].sort((p, q) => p[0] - q[0])) {
        const h = Math.floor(key / N);
        w.line(` k${s}_${key}:`);
        for (const name of names) w.term(1, name);
        w.term(-1, `x${s}_${h}`);
        w.line(' <= 0');
      }
      if (integer) {
        prepared.skus[s]!.suppliers.forEach((f, i) => {
          const { minOrderQuantity: moq, orderMultiple: m } = f.option;
          if (moq <= 1 && m <= 1) return;
          w.line(` m${s}_${i}: z${s}_${i} - ${num(Math.max(1, Math.floor(m)))} n${s}_${i} = 0`);
          w.line(` lo${s}_${i}: z${s}_${i} - ${num(Math.max(1, moq))} o${s}_${i} >= 0`);
          w.line(` hi${s}_${i}: z${s}_${i} - ${num(f.maxUnits)} o${s}_${i} <= 0`);
        });
      }
    }
    // A supplier's capacity is shared by every SKU it supplies.
    for (const supplierId of [...sharedSuppliers(prepared)].sort()) {
      w.line(` scap_${supplierIndex(supplierId)}:`);
      prepared.skus.forEach((sku, s) =>
        sku.suppliers.forEach((f, i) => {
          if (f.option.supplierId === supplierId) w.term(1, `z${s}_${i}`);
        }),
      );
      w.line(` <= ${num(prepared.supplierCapacity.get(supplierId) ?? 0)}`);
    }
    w.line('Bounds');
    for (const f of floors) w.line(` 0 <= ${f.name} <= ${num(f.units)}`);
    for (let s = 0; s < S; s += 1)
      prepared.skus[s]!.suppliers.forEach((f, i) => w.line(` 0 <= z${s}_${i} <= ${num(f.maxUnits)}`));
    if (integer) {
      w.line('Generals');
      for (let s = 0; s < S; s += 1) {
        for (const h of skuHubs[s]!) w.line(` x${s}_${h}`);
        prepared.skus[s]!.suppliers.forEach((f, i) => {
          if (f.option.minOrderQuantity > 1 || f.option.orderMultiple > 1) w.line(` n${s}_${i}`);
        });
      }
      w.line('Binaries');
      for (let s = 0; s < S; s += 1) {
        prepared.skus[s]!.suppliers.forEach((f, i) => {
          if (f.option.minOrderQuantity > 1 || f.option.orderMultiple > 1) w.line(` o${s}_${i}`);
        });
      }
    }
    w.line('End');
    return w.toString();
  };

  if (skuHubs.every((hubs) => hubs.length === 0)) {
    const plan = planAllocationFast(prepared.input, policy);
    plan.solver.notes.push('nothing for the LP to decide (no demand within the promise); fast allocator used');
    plan.solver.choiceReason =
      'LP requested, but it had nothing to decide (no demand within the promise): fast allocator';
    return plan;
  }
  const notes: string[] = [];
  const relaxed = await solveLpText(build(false));
  if (relaxed.Status !== 'Optimal') {
    const plan = planAllocationFast(prepared.input, policy);
    plan.solver.notes.push(`HiGHS returned "${relaxed.Status}" for the sample-average LP; fast allocator used instead`);
    plan.solver.choiceReason = `LP requested, but HiGHS returned "${relaxed.Status}": fast allocator`;
    return plan;
  }
  const value = (cols: Record<string, { Primal?: number }>, name: string): number => cols[name]?.Primal ?? 0;
  let columns = relaxed.Columns as Record<string, { Primal?: number }>;
  const objective = withoutBonus(relaxed.ObjectiveValue, columns);
  let gap = 0;
  const fractional = Object.entries(columns).some(
    ([name, col]) => name.startsWith('x') && Math.abs((col.Primal ?? 0) - Math.round(col.Primal ?? 0)) > 1e-6,
  );
  if (fractional || needsMip) {
    const mip = await solveLpText(build(true));
    if (mip.Status === 'Optimal') {
      columns = mip.Columns as Record<string, { Primal?: number }>;
      const integral = withoutBonus(mip.ObjectiveValue, columns);
      gap = Math.abs(objective) > 1e-12 ? Math.max(0, (objective - integral) / Math.abs(objective)) : 0;
      notes.push(`integer units by MIP; gap to the LP relaxation ${gap.toExponential(2)}`);
    } else {
      const plan = planAllocationFast(prepared.input, policy);
      plan.solver.notes.push(`HiGHS returned "${mip.Status}" for the integer model; fast allocator used instead`);
      plan.solver.choiceReason = `LP requested, but HiGHS returned "${mip.Status}" for the integer model: fast allocator`;
      return plan;
    }
  }

  const units = prepared.skus.map(() => new Float64Array(H));
  const quantities = prepared.skus.map((sku, s) =>
    sku.suppliers.map((_, i) => Math.round(value(columns, `z${s}_${i}`))),
  );
  for (let s = 0; s < S; s += 1) for (const h of skuHubs[s]!) units[s]![h] = Math.round(value(columns, `x${s}_${h}`));
  const sales = prepared.demandBySku.map((list, s) =>
    list.map((d, i) => {
      let sum = 0;
      const cands = prepared.regions[d.region]!.candidates;
      for (let sc = 0; sc < N; sc += 1)
        if (demand[s]![i]![sc]! > 0)
          for (let c = 0; c < cands.length; c += 1) sum += value(columns, `y${s}_${i}_${sc}_${c}`);
      return sum / N;
    }),
  );
  const allocations: AllocationPlan['allocations'] = [];
  for (let s = 0; s < S; s += 1)
    for (let h = 0; h < H; h += 1)
      if (units[s]![h]! > 0)
        allocations.push({ skuId: prepared.skus[s]!.skuId, hubId: prepared.hubs[h]!.hubId, units: units[s]![h]! });
  const supplierOrders = buildSupplierOrders(prepared, (s, h) => units[s]![h]!, quantities);
  const { regions, unservedRegions } = describeRegions(
    prepared,
    (s, i) => sales[s]![i]!,
    (s, region) => prepared.regions[region]!.candidates.some((h) => units[s]![h]! > 0),
  );
  const totals = planTotals(
    prepared,
    (s, h) => units[s]![h]!,
    (leg) =>
      prepared.demandBySku.forEach((list, s) =>
        list.forEach((d, i) => {
          const region = prepared.regions[d.region]!;
          region.candidates.forEach((h, c) => {
            let sold = 0;
            for (let sc = 0; sc < N; sc += 1)
              if (demand[s]![i]![sc]! > 0) sold += value(columns, `y${s}_${i}_${sc}_${c}`);
            if (sold > 0) leg(s, h, d.region, sold / N, region.laneCosts[c]!);
          });
        }),
      ),
    quantities,
    supplierOrders,
  );
  const pooledRegions = new Set(
    prepared.demandBySku.flatMap((list) =>
      list.filter((d) => d.mean > 0 && prepared.regions[d.region]!.candidates.length > 1).map((d) => d.region),
    ),
  ).size;
  if (pooledRegions > 0)
    notes.unshift(
      `${pooledRegions} region(s) have several hubs within the promise: the sample-average LP pools their demand across those hubs`,
    );
  notes.push(`${N} demand scenarios`);
  const skuIssues = listSkuIssues(prepared);
  return {
    allocations,
    supplierOrders,
    regions,
    unservedRegions,
    skuIssues,
    totals,
    solver: {
      name: 'highs-sample-average-lp',
      optimal: true,
      optimalityGap: gap,
      certified: true,
      gapBound: gap,
      choiceReason: 'LP requested',
      pooledRegions,
      notes,
    },
  };
}
