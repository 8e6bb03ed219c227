/**
 * planAllocation: units of each SKU per hub before a drop opens, the supplier orders behind
 * them, and what every region can expect. Pure: no clock (now and opens_at are inputs), no I/O.
 *
 * Rules, decided once here:
 * - Supplier choice when the primary is late: only suppliers whose stock arrives before opening
 *   at their worst-case lead time (max(now, available date) + lead time max ≤ opens_at) are used.
 *   Among those, PRIORITY wins, not earliest arrival: units come from the feasible suppliers in
 *   sourcing order. A late primary is skipped (no late orders are planned); a fallback is also
 *   used when the primary's capacity is below the demand worth covering, paying the premium
 *   (unit cost − primary's unit cost) only when the marginal unit is still worth it.
 * - Min order size and multiple apply to a supplier's total for a SKU (one purchase order,
 *   split-shipped to hubs). A quantity that breaks them is rounded down or up, whichever gives
 *   the higher objective (ties: down).
 * - Serving hub of a region: hubs whose lane meets the promise at its worst case
 *   (handling + transit max ≤ promise), fastest first by (handling + transit max, handling +
 *   transit min, lane shipping cost, hub id in plain string order). The first is the serving hub; a stock-out falls
 *   through to the next (that list is the "lane order").
 * - Ties: SKUs and hubs are processed in id order (plain string order), so the plan does not
 *   depend on input order; equal marginal gains go to the lower SKU id, then the lower hub id.
 * - Objective: expected margin = value of the units delivered within the promise − lane shipping
 *   of those units − inbound freight and holding of the units placed − leftover − fallback
 *   premium (unit cost over the primary's plus the supplier's fallback premium). Cost shifts
 *   change a lane's shipping cost when their dates overlap the drop's window.
 * - Regional tier reserves: at least the units a region's tiers reserve are placed at its serving
 *   hub when stock and room allow (`placeRegionalReserves`); the pooled fast allocator is then not
 *   used (the LP and the unpooled fast allocator take the floors).
 * - Fast allocator: each region's demand goes to its serving hub only (no pooling). When some
 *   region has several hubs within the promise, 'auto' uses the sample-average LP, which pools,
 *   and says so in `solver.notes`.
 */
import type { AllocationInput, AllocationPlan, AllocationPolicy, SupplierOption } from './plan-types';
import { planAllocationFast } from './fast-allocator';
import { countPooledRegions, lpScenarioCells, prepareInstance } from './plan-instance';
import { placeRegionalReserves } from './regional-reserves';
import { solveSampleAverageLp } from './sample-average-lp';

export { planAllocationFast } from './fast-allocator';
export { prepareInstance, transitQuantile } from './plan-instance';

/**
 * Plan with the solver the policy asks for. 'auto' uses the LP when a region with demand has
 * several hubs within the promise and the LP is small enough; otherwise the fast allocator. The
 * plan says which solver ran and why (`solver.choiceReason`).
 */
export async function planAllocation(input: AllocationInput, policy: AllocationPolicy = {}): Promise<AllocationPlan> {
  return placeRegionalReserves(input, (withFloors) => planPriced(withFloors, policy));
}

/** One plan, solved again with each hub priced at its supplier's freight when their freight differs. */
async function planPriced(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan> {
  const first = await planOnce(input, policy);
  if (input.inboundFreightBySkuHub !== undefined || !suppliersChargeDifferentFreight(input)) return first;
  return withFreightOfServingSuppliers(input, first, (priced) => planOnce(priced, policy));
}

/** Some SKU has suppliers whose freight to some hub differs. */
function suppliersChargeDifferentFreight(input: AllocationInput): boolean {
  return input.skus.some(
    (sku) =>
      sku.sourcing.length > 1 &&
      input.hubs.some((hub) => {
        const first = sku.sourcing[0]!.inboundFreightPerUnitByHub?.[hub.hubId] ?? 0;
        return sku.sourcing.some((o) => (o.inboundFreightPerUnitByHub?.[hub.hubId] ?? 0) !== first);
      }),
  );
}

/** At most this many re-solves pricing each hub at the freight of the supplier that serves it. */
const FREIGHT_ROUNDS = 3;

/**
 * Inbound freight per supplier. A solver prices a unit of a SKU placed at a hub at one freight per
 * (SKU, hub), but when the SKU's suppliers charge different freight the unit pays the freight of
 * the supplier its order is routed from (least freight, `buildSupplierOrders`), and the plan's
 * totals count that. So the plan is solved again with each (SKU, hub) priced at the freight of the
 * supplier that serves it: the mean routed freight where the plan placed units, else the least
 * freight among the suppliers with units left (all of them when none has); the first solve prices
 * at the first supplier's. Up to three rounds, until the pricing repeats; the plan with the highest
 * objective (with routed freight) is kept. Its gap bound was proven for the pricing it was solved
 * with, not for routed freight, so it is not claimed as certified.
 */
export async function withFreightOfServingSuppliers(
  input: AllocationInput,
  first: AllocationPlan,
  solve: (priced: AllocationInput) => Promise<AllocationPlan>,
): Promise<AllocationPlan> {
  let best = first;
  let plan = first;
  let pricing = '';
  let rounds = 0;
  for (; rounds < FREIGHT_ROUNDS; rounds += 1) {
    const priced = freightOfServingSuppliers(input, plan);
    const key = JSON.stringify(priced);
    if (key === pricing) break;
    pricing = key;
    plan = await solve({ ...input, inboundFreightBySkuHub: priced });
    if (plan.totals.objectiveValue > best.totals.objectiveValue + 1e-9) best = plan;
  }
  best.solver.notes.push(
    `a SKU's suppliers charge different inbound freight: each hub priced at the freight of the supplier that serves it (${rounds} re-solve(s)), the best plan kept; its gap bound holds for that pricing, so it is not certified`,
  );
  best.solver.certified = false;
  return best;
}

/** Per SKU and hub, the freight of the supplier that serves the hub in `plan` (see above). */
function freightOfServingSuppliers(
  input: AllocationInput,
  plan: AllocationPlan,
): Record<string, Record<string, number>> {
  const ordered = new Map<string, number>(); // supplier\u0000sku → units
  const bySupplier = new Map<string, number>();
  const routed = new Map<string, { units: number; cost: number }>(); // sku\u0000hub
  const freightOf = (o: SupplierOption, hubId: string) => Math.max(0, o.inboundFreightPerUnitByHub?.[hubId] ?? 0);
  const options = new Map(input.skus.map((sku) => [sku.skuId, new Map(sku.sourcing.map((o) => [o.supplierId, o]))]));
  for (const order of plan.supplierOrders) {
    ordered.set(`${order.supplierId}\u0000${order.skuId}`, order.quantity);
    bySupplier.set(order.supplierId, (bySupplier.get(order.supplierId) ?? 0) + order.quantity);
    const option = options.get(order.skuId)?.get(order.supplierId);
    for (const line of order.lines) {
      const key = `${line.skuId}\u0000${line.destinationHubId}`;
      const entry = routed.get(key) ?? { units: 0, cost: 0 };
      entry.units += line.quantity;
      entry.cost += line.quantity * (option ? freightOf(option, line.destinationHubId) : 0);
      routed.set(key, entry);
    }
  }
  const priced: Record<string, Record<string, number>> = {};
  for (const sku of input.skus) {
    const withRoom = sku.sourcing.filter(
      (o) =>
        (ordered.get(`${o.supplierId}\u0000${sku.skuId}`) ?? 0) < o.unitsAvailable &&
        (bySupplier.get(o.supplierId) ?? 0) <
          Math.min(o.capacityUnits, input.supplierCapacityUnits?.[o.supplierId] ?? Number.POSITIVE_INFINITY),
    );
    const candidates = withRoom.length > 0 ? withRoom : sku.sourcing;
    const byHub: Record<string, number> = {};
    for (const hub of input.hubs) {
      const r = routed.get(`${sku.skuId}\u0000${hub.hubId}`);
      byHub[hub.hubId] =
        r !== undefined && r.units > 0
          ? r.cost / r.units
          : Math.min(...candidates.map((o) => freightOf(o, hub.hubId)), Number.POSITIVE_INFINITY);
      if (!Number.isFinite(byHub[hub.hubId]!)) byHub[hub.hubId] = 0;
    }
    priced[sku.skuId] = byHub;
  }
  return priced;
}

async function planOnce(input: AllocationInput, policy: AllocationPolicy): Promise<AllocationPlan> {
  const solver = policy.solver ?? 'auto';
  if (solver === 'fast') return planAllocationFast(input, policy);
  if (solver === 'lp') return solveSampleAverageLp(prepareInstance(input), policy);
  const prepared = prepareInstance(input);
  const pooled = countPooledRegions(prepared);
  const limit = policy.lpMaxScenarioCells ?? 200_000;
  if (pooled > 0) {
    const cells = lpScenarioCells(prepared, policy);
    if (cells <= limit) {
      const plan = await solveSampleAverageLp(prepared, policy);
      const why = `auto: ${pooled} region(s) have several hubs within the promise and the LP needs ${cells} scenario cells (limit ${limit})`;
      plan.solver.choiceReason =
        plan.solver.name === 'highs-sample-average-lp' ? `${why}: LP` : `${why}; ${plan.solver.choiceReason}`;
      return plan;
    }
    const plan = planAllocationFast(input, policy);
    plan.solver.notes.push(`the LP would need ${cells} scenario cells (limit ${limit}); fast allocator used instead`);
    plan.solver.choiceReason = `auto: ${pooled} region(s) have several hubs within the promise, but the LP would need ${cells} scenario cells (limit ${limit}): fast allocator`;
    return plan;
  }
  const plan = planAllocationFast(input, policy);
  plan.solver.choiceReason =
    'auto: every region with demand has at most one hub within the promise: fast allocator (exact there)';
  return plan;
}
