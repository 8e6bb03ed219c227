import { inItemOrder } from '../../db/batch-rows';
import type { Queryable } from '../../db/database';

/** Queue SQL (migration 0022): entries, their place in line, and what may still free up for them. */
export interface EntryRecord {
  id: string;
  drop_id: string;
  creator_id: string;
  sku_id: string;
  region_id: string;
  quantity: number;
  tier: string | null;
  tier_rank: number;
  claim_seconds: number;
  status: 'waiting' | 'offered' | 'left';
  hold_id: string | null;
  joined_at: Date;
  offered_at: Date | null;
}

/** An entry with its offer's hold, as the delivery module answers it (queue.service.ts). */
export interface EntryRow extends EntryRecord {
  /** the offer's hold */
  hold_status: 'held' | 'confirmed' | 'released' | 'expired' | null;
  hold_hub_id: string | null;
  hold_expires_at: Date | null;
}

export interface SupplyRow {
  /** active holds at the serving hubs: [size, holds of that size] */
  holds_by_size: [number, number][] | null;
  last_hold_expiry: Date | null;
  confirmed_units: number;
  returning_units: number;
  last_return_at: Date | null;
  delivery_days_min: number | null;
  delivery_days_max: number | null;
}

/** The slow inputs of a promise, per drop and SKU (kept by the service for 30 s). */
export interface SlowOutcomeInputs {
  /** what a fallback supplier or microfactory can still send, and how fast */
  restock: { units: number; lead_min: number | null; lead_max: number | null };
  /** the drop's ended hold units (unclaimed of them), confirmed units and returned units */
  history: { ended: number; unclaimed: number; confirmed: number; returned: number };
}

/**
 * What an entry that joined a sold-out line was promised from, stored with it by its join
 * (queue_entries.promise_inputs, migration 0028): its place in units, its own quantity and claim
 * time, the line's supply then (dates as ISO text), the service's clock and the slow inputs.
 */
export interface PromiseInputs {
  units_ahead: number;
  quantity: number;
  claim_seconds: number;
  now: string;
  supply: {
    [K in keyof SupplyRow]: SupplyRow[K] extends Date | null ? string | null : SupplyRow[K];
  };
  slow: SlowOutcomeInputs;
}

/** One join of a batch. */
export interface QueueJoinItem {
  id: string;
  dropId: string;
  creatorId: string;
  skuId: string;
  regionId: string;
  quantity: number;
  tier: string | null;
  tierRank: number;
  accountHash: string | null;
  claimSeconds: number;
  now: Date;
  /** stored with the entry when it joins a sold-out line */
  slow: SlowOutcomeInputs;
}

/** What one join answered: its outcome and place, and what its promise is computed from when it joined a sold-out line. */
export interface QueueJoinRow {
  outcome: 'in_stock' | 'joined';
  available: number;
  entries_ahead: number | null;
  units_ahead: number | null;
  promise_inputs: PromiseInputs | null;
}

const supplyColumns = `s.holds_by_size, s.last_hold_expiry, s.confirmed_units, s.returning_units, s.last_return_at,
  s.delivery_days_min, s.delivery_days_max`;

const entryColumns = `e.id, e.drop_id, e.creator_id, e.sku_id, e.region_id, e.quantity, e.tier, e.tier_rank,
  e.claim_seconds, e.status, e.hold_id, e.joined_at, e.offered_at`;

export const queueRepository = {
  /**
   * Joins lines, several in one statement committed on its own (function join_queue_batch,
   * migrations 0027 and 0028), each as join_queue alone (migration 0025): the serving hub rows
   * locked for share until the entries commit, the stock check, the entry, and its place in line.
   * Per join, in the joins' order: 'in_stock': nothing written, a serving hub has the quantity.
   * 'joined': `available` is the most one serving hub had (below the quantity); when that is 0,
   * the entry's promise inputs, stored with it.
   */
  async joinQueues(db: Queryable, entries: QueueJoinItem[], asyncCommit: boolean): Promise<QueueJoinRow[]> {
    const items = entries.map((e) => ({
      id: e.id,
      drop_id: e.dropId,
      creator_id: e.creatorId,
      sku_id: e.skuId,
      region_id: e.regionId,
      quantity: e.quantity,
      tier: e.tier,
      tier_rank: e.tierRank,
      account_hash: e.accountHash,
      claim_seconds: e.claimSeconds,
      now: e.now.toISOString(),
      slow: e.slow,
    }));
    const { rows } = await db.query<QueueJoinRow & { ord: number }>(
      `select ord, outcome, available, entries_ahead, units_ahead, promise_inputs
       from join_queue_batch($1::jsonb, $2) s`,
      [JSON.stringify(items), asyncCommit],
    );
    return inItemOrder(rows, entries.length, 'join_queue_batch');
  },

  /** Units of this account's waiting entries of the drop (of one SKU, or all when skuId is null). */
  async waitingUnitsOfAccount(db: Queryable, dropId: string, accountHash: string, skuId: string | null) {
    const { rows } = await db.query<{ units: number }>(
      `select coalesce(sum(quantity), 0)::int as units from queue_entries
       where drop_id = $1 and account_hash = $2 and status = 'waiting' and ($3::text is null or sku_id = $3)`,
      [dropId, accountHash, skuId],
    );
    return rows[0]!.units;
  },

  /**
   * Offers what these hubs have of a SKU to the lines waiting at them, one hub after the other
   * (offer_queued_units, migration 0025): in the caller's transaction, after it locked the rows.
   */
  async offerQueuedUnits(tx: Queryable, hubIds: readonly string[], skuId: string, now: Date): Promise<void> {
    await tx.query('select offer_queued_units(h, $2, $3) from unnest($1::text[]) h', [hubIds, skuId, now]);
  },

  /** The lines with someone waiting: each SKU and region once. */
  async listWaitingLines(db: Queryable): Promise<{ sku_id: string; region_id: string }[]> {
    return (
      await db.query<{ sku_id: string; region_id: string }>(
        `select distinct sku_id, region_id from queue_entries where status = 'waiting' order by 1, 2`,
      )
    ).rows;
  },

  /** Offers what each of these hub × SKU pairs has to its waiting lines, in the order given: the offers made. */
  async offerQueuedUnitsAt(db: Queryable, pairs: readonly { hubId: string; skuId: string }[], now: Date) {
    if (pairs.length === 0) return 0;
    const { rows } = await db.query<{ offers: number }>(
      `select coalesce(sum(offer_queued_units(p.hub_id, p.sku_id, $3)), 0)::int as offers
       from unnest($1::text[], $2::text[]) as p(hub_id, sku_id)`,
      [pairs.map((p) => p.hubId), pairs.map((p) => p.skuId), now],
    );
    return rows[0]!.offers;
  },

  /** The entry itself (its offer's hold is the delivery module's to read). */
  async findEntry(db: Queryable, id: string): Promise<EntryRecord | undefined> {
    return (await db.query<EntryRecord>(`select ${entryColumns} from queue_entries e where e.id = $1`, [id])).rows[0];
  },

  /** Waiting entries ahead of this one in its SKU and region's line, and the units they ask for. */
  async ahead(db: Queryable, entry: { id: string; sku_id: string; region_id: string }) {
    const { rows } = await db.query<{ entries: number; units: number }>(
      `select count(*)::int as entries, coalesce(sum(f.quantity), 0)::int as units
       from queue_entries e join queue_entries f
         on f.sku_id = e.sku_id and f.region_id = e.region_id and f.status = 'waiting'
         and (f.tier_rank, f.seq) < (e.tier_rank, e.seq)
       where e.id = $1`,
      [entry.id],
    );
    return rows[0]!;
  },

  /**
   * What may still free up for a SKU at the hubs serving a region, and how fast those hubs deliver
   * (function queue_supply, migration 0025).
   */
  async supply(db: Queryable, skuId: string, regionId: string, now: Date): Promise<SupplyRow> {
    const { rows } = await db.query<SupplyRow>(`select ${supplyColumns} from queue_supply($1, $2, $3) s`, [
      skuId,
      regionId,
      now,
    ]);
    return rows[0]!;
  },

  /** The drops' entries forget their account hashes (the 30-day retention of hoarding signals). */
  async forgetAccounts(tx: Queryable, dropIds: string[]): Promise<number> {
    return (
      await tx.query(
        'update queue_entries set account_hash = null where drop_id = any($1::text[]) and account_hash is not null',
        [dropIds],
      )
    ).rowCount;
  },

  /** Locks an entry (leave runs in one transaction). */
  async lockEntry(tx: Queryable, id: string) {
    return (
      await tx.query<{ status: EntryRow['status']; hold_id: string | null }>(
        'select status, hold_id from queue_entries where id = $1 for update',
        [id],
      )
    ).rows[0];
  },

  async markLeft(tx: Queryable, id: string, now: Date) {
    await tx.query(
      `update queue_entries set status = 'left', left_seq = nextval('queue_seq'), left_at = $2 where id = $1`,
      [id, now],
    );
  },

  /** Releases an offer's hold (function end_hold: its units go to the next in line by the trigger). */
  async releaseHold(tx: Queryable, holdId: string, now: Date) {
    return (
      await tx.query<{ status: string; changed: boolean }>('select status, changed from end_hold($1, $2, $3)', [
        holdId,
        'released',
        now,
      ])
    ).rows[0];
  },
};
