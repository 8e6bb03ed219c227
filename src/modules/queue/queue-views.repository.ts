import type { Queryable } from '../../db/database';
import type { PromiseInputs } from './queue.repository';

/**
 * Queue SQL for the creator's views (preview, post-drop report) and the promise kept at the join
 * (migration 0024). Apart from queue.repository.ts, which serves the buyer's path.
 */
export interface OutcomeRow {
  entry_id: string;
  sku_id: string;
  region_id: string;
  tier: string | null;
  quantity: number;
  status: 'waiting' | 'offered' | 'left';
  promised_probability: number | null;
  /** the offer's hold, when the entry was offered */
  hold_status: 'held' | 'confirmed' | 'released' | 'expired' | null;
  hold_expires_at: Date | null;
}

/**
 * An entry of the post-drop report as the queue stores it: its offer's hold is read of the delivery
 * module; an entry that joined a sold-out line has no promised_probability, its promise is
 * computed from the inputs stored with it (promise_inputs).
 */
export type OutcomeEntryRow = Omit<OutcomeRow, 'hold_status' | 'hold_expires_at'> & {
  hold_id: string | null;
  promise_inputs: PromiseInputs | null;
};

/** The chance of getting the item that a join's answer stated (and the part of it from stock that may free up). */
export interface StoredPromise {
  entryId: string;
  probability: number;
  probabilityFromStock: number;
}

export const queueViewsRepository = {
  /**
   * What joins' answers promised, in one statement (the caller stores a promise only for an entry
   * still waiting when it was answered); a promise already stored is kept.
   */
  async storePromises(db: Queryable, promises: StoredPromise[]): Promise<void> {
    await db.query(
      `update queue_entries q set promised_probability = p.probability, promised_probability_from_stock = p.from_stock
       from unnest($1::text[], $2::float8[], $3::float8[]) as p(id, probability, from_stock)
       where q.id = p.id and q.promised_probability is null`,
      [promises.map((p) => p.entryId), promises.map((p) => p.probability), promises.map((p) => p.probabilityFromStock)],
    );
  },

  /** Waiting entries and the units they ask for, per region and SKU of a drop. */
  async waitingByRegion(db: Queryable, dropId: string) {
    return (
      await db.query<{ region_id: string; sku_id: string; entries: number; units: number }>(
        `select region_id, sku_id, count(*)::int as entries, sum(quantity)::int as units
         from queue_entries where drop_id = $1 and status = 'waiting'
         group by region_id, sku_id order by region_id, sku_id`,
        [dropId],
      )
    ).rows;
  },

  /** Every entry of a drop with what it was promised and its offer's hold id, in arrival order. */
  async outcomeEntries(db: Queryable, dropId: string): Promise<OutcomeEntryRow[]> {
    return (
      await db.query<OutcomeEntryRow>(
        `select e.id as entry_id, e.sku_id, e.region_id, e.tier, e.quantity, e.status, e.promised_probability,
           e.hold_id, e.promise_inputs
         from queue_entries e where e.drop_id = $1 order by e.seq`,
        [dropId],
      )
    ).rows;
  },
};
