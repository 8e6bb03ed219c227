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
  /** Units of a SKU already returned. */
  async sumReturnedUnitsOfSku(db: Queryable, skuId: string): Promise<number> {
    const { rows } = await db.query<{ units: number }>(
      'select coalesce(sum(quantity), 0)::int as units from returns where sku_id = $1',
      [skuId],
    );
    return rows[0]!.units;
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
  async returnsOfDrop(db: Queryable, dropId: string) {
    return (
      await db.query<{ sku_id: string; region_id: string | null; reason: ReturnReason; quantity: number }>(
        'select sku_id, region_id, reason, quantity from returns where drop_id = $1 order by id',
        [dropId],
      )
    ).rows;
  },
};
