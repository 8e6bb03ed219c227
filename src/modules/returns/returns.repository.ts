import type { Queryable } from '../../db/database';
import type { ReturnOutcome, ReturnReason } from './core/returns';

/** Returns SQL, one intent-named query per function, no business rules. */
export interface ReturnRow {
  id: string;
  drop_id: string;
  creator_id: string;
  sku_id: string;
  hub_id: string;
  region_id: string | null;
  quantity: number;
  reason: ReturnReason;
  status: 'inspection' | ReturnOutcome;
  outcome: ReturnOutcome;
  received_at: Date;
  inspection_ends_at: Date;
  resolved_at: Date | null;
}

const returnColumns = `id, drop_id, creator_id, sku_id, hub_id, region_id, quantity, reason, status, outcome,
  received_at, inspection_ends_at, resolved_at`;

export const returnsRepository = {
  async findReturn(db: Queryable, id: string) {
    return (await db.query<ReturnRow>(`select ${returnColumns} from returns where id = $1`, [id])).rows[0];
  },
  /** The SKU's drop and its creator, with the drop's window. */
  async findSkuDrop(db: Queryable, skuId: string) {
    return (
      await db.query<{ drop_id: string; creator_id: string }>(
        'select s.drop_id, d.creator_id from skus s join drops d on d.id = s.drop_id where s.id = $1',
        [skuId],
      )
    ).rows[0];
  },
  async findHub(db: Queryable, hubId: string) {
    return (
      await db.query<{ id: string; time_zone: string; operator_partner_id: string }>(
        'select id, time_zone, operator_partner_id from hubs where id = $1',
        [hubId],
      )
    ).rows[0];
  },
  async regionExists(db: Queryable, regionId: string) {
    return (await db.query('select 1 from regions where id = $1', [regionId])).rows.length > 0;
  },
  /** Hubs with a lane to the region, fastest first (handling + transit max, then min, then hub id). */
  async hubsServingRegion(db: Queryable, regionId: string) {
    return (
      await db.query<{ id: string }>(
        `select h.id from hub_lanes l join hubs h on h.id = l.hub_id where l.region_id = $1
         order by h.handling_days + l.transit_days_max, h.handling_days + l.transit_days_min, h.id`,
        [regionId],
      )
    ).rows;
  },
  /**
   * Units of the SKU sold: confirmed holds plus placed pre-orders; and the units already returned.
   * Locks the SKU row so two returns of the same SKU are checked one after the other.
   */
  async soldAndReturnedForUpdate(db: Queryable, skuId: string) {
    await db.query('select id from skus where id = $1 for update', [skuId]);
    return (
      await db.query<{ sold: number; returned: number }>(
        `select
           (select coalesce(sum(quantity), 0)::int from reservation_holds where sku_id = $1 and status = 'confirmed')
           + (select coalesce(sum(quantity), 0)::int from preorders where sku_id = $1 and status = 'placed') as sold,
           (select coalesce(sum(quantity), 0)::int from returns where sku_id = $1) as returned`,
        [skuId],
      )
    ).rows[0]!;
  },
  async insertReturn(db: Queryable, row: Omit<ReturnRow, 'status' | 'resolved_at'>) {
    await db.query(
      `insert into returns (id, drop_id, creator_id, sku_id, hub_id, region_id, quantity, reason, outcome, received_at, inspection_ends_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.id,
        row.drop_id,
        row.creator_id,
        row.sku_id,
        row.hub_id,
        row.region_id,
        row.quantity,
        row.reason,
        row.outcome,
        row.received_at,
        row.inspection_ends_at,
      ],
    );
  },
  async setOutcome(db: Queryable, id: string, outcome: ReturnOutcome) {
    await db.query(`update returns set outcome = $2 where id = $1 and status = 'inspection'`, [id, outcome]);
  },
  /** Returns whose inspection has ended take their outcome; locked, so one replica resolves each. */
  async resolveDue(db: Queryable, now: Date) {
    return (
      await db.query<{ id: string; hub_id: string; sku_id: string; quantity: number; outcome: ReturnOutcome }>(
        `update returns r set status = r.outcome, resolved_at = $1
         where r.id in (select id from returns where status = 'inspection' and inspection_ends_at <= $1
                        order by inspection_ends_at, id for update skip locked limit 1000)
         returning r.id, r.hub_id, r.sku_id, r.quantity, r.outcome`,
        [now],
      )
    ).rows;
  },
  /** Units sold per SKU and region (confirmed holds and placed pre-orders) of a drop. */
  async soldByRegion(db: Queryable, dropId: string) {
    return (
      await db.query<{ sku_id: string; region_id: string; quantity: number }>(
        `select sku_id, region_id, sum(quantity)::int as quantity from (
           select h.sku_id, h.region_id, h.quantity from reservation_holds h join skus s on s.id = h.sku_id
           where s.drop_id = $1 and h.status = 'confirmed'
           union all
           select sku_id, region_id, quantity from preorders where drop_id = $1 and status = 'placed'
         ) sold group by sku_id, region_id order by sku_id, region_id`,
        [dropId],
      )
    ).rows;
  },
  async returnsOfDrop(db: Queryable, dropId: string) {
    return (
      await db.query<{ sku_id: string; region_id: string | null; reason: ReturnReason; quantity: number }>(
        'select sku_id, region_id, reason, quantity from returns where drop_id = $1 order by id',
        [dropId],
      )
    ).rows;
  },
};
