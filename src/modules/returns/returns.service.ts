/**
 * Returns: a storefront posts units a buyer sent back; they wait in inspection at the receiving
 * hub, then become available (back in the hub's stock ledger), discounted or repair. The rules
 * that need no database are in core/returns.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { ownsCreator, type Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { catalogReaders, type CatalogService } from '../catalog';
import type { DeliveryService } from '../delivery';
import type { SignalsService } from '../signals';
import type { Logger } from '../../shared/logger';
import { defaultOutcome, inspectionEndsAt, returnRates, type ReturnOutcome, type ReturnRates } from './core/returns';
import { returnsRepository as repo, type ReturnRow } from './returns.repository';
import type { ReturnInput } from './returns.schemas';

export interface ReturnsServiceDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** The delivery ledger owns stock and holds: resellable units go back through it; confirmed holds were sold. */
  stock: Pick<DeliveryService, 'restock' | 'confirmedUnits' | 'confirmedUnitsByRegion'>;
  /** The catalog's SKU lock serialises the returns of one SKU. */
  catalog: Pick<CatalogService, 'lockSku'>;
  /** Placed pre-orders are sold units (the signals module's). */
  preorders: Pick<SignalsService, 'placedPreorderUnits' | 'placedPreorderUnitsByRegion'>;
}

function toReturn(row: ReturnRow): Schemas['Return'] {
  return {
    id: row.id,
    sku_id: row.sku_id,
    drop_id: row.drop_id,
    hub_id: row.hub_id,
    region_id: row.region_id,
    quantity: row.quantity,
    reason: row.reason,
    status: row.status,
    outcome: row.outcome,
    received_at: row.received_at.toISOString(),
    inspection_ends_at: row.inspection_ends_at.toISOString(),
    resolved_at: row.resolved_at ? row.resolved_at.toISOString() : null,
  };
}

/** A return's id from its Idempotency-Key (scoped to the API key), so a retry finds the same return. */
function returnIdFor(apiKeyId: string, requestKey: string): string {
  return `ret_${createHash('sha256').update(apiKeyId).update('\u0000').update(requestKey).digest('hex').slice(0, 40)}`;
}

const unprocessable = (detail: string, path: string, message: string) =>
  new AppError('unprocessable', detail, { errors: [{ path, message }] });

export function createReturnsService(deps: ReturnsServiceDeps) {
  const { db, clock, logger, stock, catalog, preorders } = deps;

  /** A return the principal may see: its creator's storefront or creator, the receiving hub's partner, admin. */
  async function visibleReturn(principal: Principal, id: string): Promise<ReturnRow> {
    const row = await repo.findReturn(db, id);
    if (!row) throw notFound('return', id);
    if (principal.role === 'partner') {
      const hub = await catalogReaders.hub(db, row.hub_id);
      if (hub?.operator_partner_id !== principal.partnerId) throw notFound('return', id);
    } else if (!ownsCreator(principal, row.creator_id)) throw notFound('return', id);
    return row;
  }

  async function regionExists(regionId: string): Promise<boolean> {
    return (await catalogReaders.existingRegionIds(db, [regionId])).has(regionId);
  }

  /**
   * Units of the SKU sold (confirmed holds plus placed pre-orders) and already returned, in the
   * caller's transaction. The SKU's row is locked first, so two returns of the same SKU are checked
   * one after the other: the returned units are read after the lock and see the return before.
   */
  async function soldAndReturnedLocked(tx: Queryable, skuId: string): Promise<{ sold: number; returned: number }> {
    await catalog.lockSku(tx, skuId);
    const confirmed = await stock.confirmedUnits(skuId, tx);
    const preordered = await preorders.placedPreorderUnits(skuId, tx);
    return { sold: confirmed + preordered, returned: await repo.sumReturnedUnitsOfSku(tx, skuId) };
  }

  return {
    async createReturn(
      principal: Principal,
      input: ReturnInput,
      options: { requestKey?: string } = {},
    ): Promise<Schemas['Return']> {
      const id = options.requestKey ? returnIdFor(principal.keyId, options.requestKey) : `ret_${randomUUID()}`;
      const existing = await repo.findReturn(db, id);
      if (existing) return toReturn(existing);
      const skuDrop = await catalogReaders.skuDrop(db, input.sku_id);
      if (!skuDrop || !ownsCreator(principal, skuDrop.creator_id)) throw notFound('SKU', input.sku_id);
      if (input.region_id !== undefined && !(await regionExists(input.region_id)))
        throw unprocessable(`unknown region '${input.region_id}'`, 'region_id', 'unknown region');
      let hubId = input.hub_id;
      if (hubId === undefined) {
        // the buyer's region: its fastest hub (lane order) receives the return
        hubId = (await catalogReaders.hubIdsServingRegion(db, input.region_id!))[0];
        if (hubId === undefined)
          throw unprocessable(
            `no hub serves region '${input.region_id}': name the hub that received the return`,
            'region_id',
            'no hub has a lane to this region',
          );
      }
      const hub = await catalogReaders.hub(db, hubId);
      if (!hub) throw unprocessable(`unknown hub '${hubId}'`, 'hub_id', 'unknown hub');
      const now = clock.now();
      const row = await db.transaction(async (tx) => {
        const { sold, returned } = await soldAndReturnedLocked(tx, input.sku_id);
        if (returned + input.quantity > sold)
          throw new AppError(
            'unprocessable',
            `only ${sold - returned} unit(s) of '${input.sku_id}' were sold and not yet returned`,
            {
              errors: [
                {
                  path: 'quantity',
                  message: `more than were sold: ${sold} sold (confirmed holds and placed pre-orders), ${returned} already returned`,
                },
              ],
            },
          );
        await repo.insertReturn(tx, {
          id,
          drop_id: skuDrop.drop_id,
          creator_id: skuDrop.creator_id,
          sku_id: input.sku_id,
          hub_id: hub.id,
          region_id: input.region_id ?? null,
          quantity: input.quantity,
          reason: input.reason,
          outcome: defaultOutcome(input.reason),
          received_at: now,
          inspection_ends_at: new Date(inspectionEndsAt(now.toISOString(), hub.time_zone)),
        });
        return (await repo.findReturn(tx, id))!;
      });
      return toReturn(row);
    },

    async getReturn(principal: Principal, id: string): Promise<Schemas['Return']> {
      return toReturn(await visibleReturn(principal, id));
    },

    async recordInspection(principal: Principal, id: string, outcome: ReturnOutcome): Promise<Schemas['Return']> {
      if (principal.role !== 'admin' && principal.role !== 'partner') throw notFound('return', id);
      const row = await visibleReturn(principal, id);
      if (row.status !== 'inspection')
        throw new AppError('conflict', `return '${id}' left inspection already (${row.status})`);
      await repo.setOutcome(db, id, outcome);
      return toReturn((await repo.findReturn(db, id))!);
    },

    /**
     * The scheduled step: returns whose inspection has ended take their outcome; resellable units go
     * back into the hub's stock in the same transaction (the ledger notifies the estimate caches).
     */
    async resolveInspectedReturns(): Promise<number> {
      const now = clock.now();
      const resolved = await db.transaction(async (tx) => {
        const due = await repo.resolveDue(tx, now);
        for (const r of due)
          if (r.outcome === 'available') await stock.restock(tx, r.hub_id, r.sku_id, r.quantity, now);
        return due;
      });
      if (resolved.length > 0) logger.info({ returns: resolved.length }, 'returns left inspection');
      return resolved.length;
    },

    /** Return rates of a drop, as of now (for the post-drop report). */
    async returnRates(dropId: string): Promise<ReturnRates> {
      const skuIds = await catalogReaders.skuIdsOf(db, dropId);
      const [held, preordered, returned] = await Promise.all([
        stock.confirmedUnitsByRegion(skuIds),
        preorders.placedPreorderUnitsByRegion(dropId),
        repo.returnsOfDrop(db, dropId),
      ]);
      // Sold: confirmed holds and placed pre-orders (the rates sum them per region and SKU).
      return returnRates([...held, ...preordered], returned);
    },
  };
}

export type ReturnsService = ReturnType<typeof createReturnsService>;
