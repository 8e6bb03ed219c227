import type { Queryable } from '../../db/database';
import { allocationRepository as repo } from './allocation.repository';

/**
 * What other modules read of plans (delivery's snapshot and preview, the post-drop report). The
 * plan tables are the allocation module's: other modules ask this reader, never their own SQL.
 */
export function createPlanReader(db: Queryable) {
  return {
    /** drop id → its published plan's id */
    async publishedPlanIdsByDrop(): Promise<Map<string, string>> {
      return new Map((await repo.listPublishedPlanIds(db)).map((p) => [p.drop_id, p.id]));
    },
    /** Per hub and SKU, when the published plans' supplier orders have brought every inbound unit. */
    publishedInboundArrivals: () => repo.listPublishedInboundArrivals(db),
    /** The published plan, else (for creators previewing before publishing) the newest draft. */
    previewPlan: (dropId: string, publishedOnly: boolean) => repo.findPublishedOrNewestDraft(db, dropId, publishedOnly),
    /** The plan in force at close: the published one (or the one superseded last, if none is published). */
    planInForce: (dropId: string) => repo.findPlanInForce(db, dropId),
    regions: (planId: string) => repo.listRegions(db, planId),
    allocations: (planId: string) => repo.listAllocations(db, planId),
    supplierOrders: (planId: string) => repo.listSupplierOrders(db, planId),
  };
}

export type PlanReader = ReturnType<typeof createPlanReader>;
