import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/database';

/**
 * Publishes a plan with the given allocations straight into the plan tables (as the allocation
 * service would), so delivery tests control stock exactly. Publishing goes through the same
 * status update the service uses, so the live-stock trigger runs.
 */
export async function publishPlanWithAllocations(
  db: Database,
  dropId: string,
  allocations: { skuId: string; hubId: string; units: number }[],
  skuIssues: { sku_id: string; reason: string; detail: string }[] = [],
  /** supplier orders bringing units to hubs (when the units arrive: the inbound date of estimates) */
  supplierOrders: { skuId: string; hubId: string; supplierId: string; quantity: number; arriveBy: string }[] = [],
): Promise<string> {
  const id = `plan-test-${randomBytes(5).toString('hex')}`;
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ v: number }>(
      'select coalesce(max(version), 0) + 1 as v from plans where drop_id = $1',
      [dropId],
    );
    await tx.query(
      "update plans set status = 'superseded', superseded_at = now() where drop_id = $1 and status = 'published'",
      [dropId],
    );
    // Solver and totals in the contract's shapes (API answers are checked against openapi.yaml).
    const unitsPlaced = allocations.reduce((sum, a) => sum + a.units, 0);
    const solver = {
      requested: 'fast',
      name: 'test factory',
      optimal: null,
      optimality_gap: null,
      pooled_regions: 0,
      notes: [],
      economics: { value_per_fast_unit: 0, leftover_cost_per_unit: 0, holding_cost_per_unit: 0 },
    };
    const totals = {
      expected_demand_units: 0,
      expected_units_within_promise: 0,
      fill_rate_within_promise: 0,
      expected_leftover_by_hub: {},
      units_placed: unitsPlaced,
      cost: { fallback_premium: 0, leftover: 0, holding: 0, total: 0 },
      objective_value: 0,
    };
    await tx.query(
      `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals, sku_issues)
       values ($1, $2, $3, 'draft', '{}', $4::jsonb, $5::jsonb, $6::jsonb)`,
      [id, dropId, rows[0]!.v, JSON.stringify(solver), JSON.stringify(totals), JSON.stringify(skuIssues)],
    );
    for (const a of allocations) {
      await tx.query('insert into plan_allocations (plan_id, sku_id, hub_id, units) values ($1, $2, $3, $4)', [
        id,
        a.skuId,
        a.hubId,
        a.units,
      ]);
    }
    for (const [i, o] of supplierOrders.entries()) {
      await tx.query(
        `insert into plan_supplier_orders (plan_id, line_no, supplier_id, sku_id, quantity, destination_hub_id,
           ship_by, arrive_by, is_fallback, reason) values ($1, $2, $3, $4, $5, $6, $7, $7, false, 'primary')`,
        [id, i + 1, o.supplierId, o.skuId, o.quantity, o.hubId, o.arriveBy],
      );
    }
    await tx.query("update plans set status = 'published', published_at = now() where id = $1", [id]);
  });
  return id;
}

/** Waits until `probe` returns true (caches refresh on NOTIFY, a few milliseconds later). */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 2_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
