import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { ownsCreator, type Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { createKeyedBatches } from '../../shared/keyed-batches';
import type { AccessService } from '../access';
import { catalogReaders, type CatalogService } from '../catalog';
import { deliveryReaders, resolveRegion, type DeliverySnapshotCache } from '../delivery';
import { returnsReaders } from '../returns';
import { expectedOutcome, historicalRate, type OutcomeWindow } from './core/outcome-window';
import {
  queueRepository as repo,
  type EntryRecord,
  type EntryRow,
  type PromiseInputs,
  type QueueJoinItem,
  type QueueJoinRow,
  type SlowOutcomeInputs,
  type SupplyRow,
} from './queue.repository';
import { queueViewsRepository as views, type OutcomeRow, type StoredPromise } from './queue-views.repository';
import type { QueueJoinInput } from './queue.schemas';

/**
 * Defaults of the outcome model when a drop has fewer than 20 units of history (docs/queue.md):
 * a held unit ends unclaimed (released or expired) with probability 0.25, a confirmed unit is
 * cancelled or returned with probability 0.02.
 */
export const DEFAULT_HOLD_RELEASE_RATE = 0.25;
export const DEFAULT_CANCEL_RATE = 0.02;

type Entry = Schemas['QueueEntry'];
/** A join's answer from its batch, with what the entry was promised when it joined a sold-out line. */
type JoinAnswer = QueueJoinRow & { promise?: OutcomeWindow };

/** The promise stored for an entry: the probability it was told, and the part from stock alone. */
function promiseOf(entryId: string, outcome: OutcomeWindow): StoredPromise {
  return { entryId, probability: outcome.probability, probabilityFromStock: outcome.probability_from_stock };
}

/** What an entry with `ahead` units waiting before it may expect, from its line's supply at `now`. */
function outcomeOf(
  entry: { quantity: number; claim_seconds: number },
  ahead: { units: number },
  supply: SupplyRow,
  { restock, history }: SlowOutcomeInputs,
  now: Date,
): OutcomeWindow {
  return expectedOutcome({
    nowMs: now.getTime(),
    unitsAhead: ahead.units,
    quantity: entry.quantity,
    holdsBySize: (supply.holds_by_size ?? []).map(([size, holds]) => ({ size, holds })),
    lastHoldExpiryMs: supply.last_hold_expiry?.getTime() ?? null,
    holdReleaseRate: historicalRate(history.unclaimed, history.ended, DEFAULT_HOLD_RELEASE_RATE),
    holdReleaseObservations: Math.max(history.ended, 20),
    confirmedUnits: supply.confirmed_units,
    cancelRate: historicalRate(history.returned, history.confirmed, DEFAULT_CANCEL_RATE),
    returningUnits: supply.returning_units,
    lastReturnMs: supply.last_return_at?.getTime() ?? null,
    restock:
      restock.units > 0
        ? { units: restock.units, leadTimeDaysMin: restock.lead_min ?? 0, leadTimeDaysMax: restock.lead_max ?? 0 }
        : null,
    claimSeconds: entry.claim_seconds,
    deliveryDaysMin: supply.delivery_days_min ?? 0,
    deliveryDaysMax: supply.delivery_days_max ?? 0,
  });
}

const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** The promise an entry's stored inputs make: what its buyer was told when it joined a sold-out line. */
export function outcomeFromInputs(inputs: PromiseInputs): OutcomeWindow {
  const supply: SupplyRow = {
    ...inputs.supply,
    last_hold_expiry: dateOrNull(inputs.supply.last_hold_expiry),
    last_return_at: dateOrNull(inputs.supply.last_return_at),
  };
  return outcomeOf(inputs, { units: inputs.units_ahead }, supply, inputs.slow, new Date(inputs.now));
}

/** The most joins one statement carries. */
const BATCH_MAX = 64;

export function createQueueService(deps: {
  db: Database;
  clock: Clock;
  snapshots: Pick<DeliverySnapshotCache, 'current'>;
  catalog: Pick<CatalogService, 'visibleDrop'>;
  access: Pick<AccessService, 'prepareHold' | 'queueRank' | 'checkAccountRoom'>;
}) {
  const { db, clock, snapshots, catalog, access } = deps;

  /**
   * Joins of one line (SKU and region) that arrive while its previous statement runs go to the
   * database together (migration 0027); two statements of a line in flight, so the next waits at
   * the database, not here.
   */
  const joinBatches = createKeyedBatches<QueueJoinItem, JoinAnswer>({
    maxBatch: BATCH_MAX,
    maxInFlight: 2,
    run: (entries) => joinWithPromises(entries),
    // A database fault arrives as AppError('unavailable'): the batch may have committed, so no retry.
    retryAlone: (error) => !(error instanceof AppError),
  });

  /**
   * The hubs with a lane to a region, as the delivery snapshot knows them (lanes change rarely and
   * reach it within milliseconds of a change): the stock of a line's serving hubs is read and
   * locked by id, so the queue reads no catalog or stock table itself.
   */
  const servingHubIds = (regionId: string): string[] =>
    (snapshots.current().hubsByRegion.get(regionId) ?? []).map((hub) => hub.id);

  /**
   * Offers what a line's serving hubs have to the lines waiting there, after locking their stock
   * rows in hub order whatever they have free: a release whose offer trigger ran before this
   * caller's change was visible still holds its row, so the lock waits for that commit, and the
   * offers that follow see both the freed units and the change.
   */
  async function offerAtServingHubs(skuId: string, regionId: string, now: Date): Promise<void> {
    const hubIds = servingHubIds(regionId);
    if (hubIds.length === 0) return;
    await db.transaction(async (tx) => {
      const holding = await deliveryReaders.lockStockRowsAt(tx, skuId, hubIds);
      if (holding.length > 0) await repo.offerQueuedUnits(tx, holding, skuId, now);
    });
  }

  /**
   * Takes an entry out of its line in the lock order every offer and hold end keeps: the offer's
   * hold, then the line's stock rows in hub order, then the entry, then (by trigger) the line's
   * waiting totals. An offer (migration 0022) holds the stock row while it takes head entries and
   * their totals, so a leave that took its entry first could deadlock with it. An entry offered
   * after it was read has a hold this transaction did not lock first: it starts again, once, from
   * the entry as it is now (an offered entry is only ever claimed or left after).
   */
  async function leaveLine(entry: EntryRow, now: Date): Promise<void> {
    let holdId = entry.hold_id;
    for (let attempt = 0; attempt < 3; attempt++) {
      const offeredMeanwhile = await db.transaction(async (tx): Promise<string | null> => {
        if (holdId) await deliveryReaders.lockHold(tx, holdId);
        const holding = await deliveryReaders.lockStockRowsAt(tx, entry.sku_id, servingHubIds(entry.region_id));
        const locked = await repo.lockEntry(tx, entry.id);
        if (!locked || locked.status === 'left') return null;
        if (locked.hold_id !== holdId) return locked.hold_id;
        if (locked.status === 'offered') {
          const ended = await repo.releaseHold(tx, locked.hold_id!, now);
          // Claimed (confirmed) or already lapsed: the entry stays as it is.
          if (!ended?.changed || ended.status !== 'released') return null;
        }
        await repo.markLeft(tx, entry.id, now);
        // A waiting head that asked for more than was free may have held back the ones behind it:
        // they may take those units now (no hub row changed, so the offer trigger did not run).
        if (locked.status === 'waiting' && holding.length > 0)
          await repo.offerQueuedUnits(tx, holding, entry.sku_id, now);
        return null;
      });
      if (offeredMeanwhile === null) return;
      holdId = offeredMeanwhile;
    }
  }

  /**
   * A drop's history rates and a SKU's restock move slowly and cost a scan of the drop's holds:
   * kept per replica for 30 s (by the service clock).
   */
  const slow = new Map<string, { at: number; value: Promise<unknown> }>();
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = clock.now().getTime();
    const hit = slow.get(key);
    if (hit && now - hit.at < 30_000 && now >= hit.at) return hit.value as Promise<T>;
    if (slow.size > 10_000) slow.clear();
    const value = load();
    slow.set(key, { at: now, value });
    value.catch(() => slow.delete(key));
    return value;
  }

  /** The entry with its offer's hold (asked of the delivery module when it has one), or undefined. */
  async function findEntry(id: string): Promise<EntryRow | undefined> {
    const entry = await repo.findEntry(db, id);
    return entry && withHold(entry);
  }

  async function withHold(entry: EntryRecord): Promise<EntryRow> {
    const [hold] = entry.hold_id ? await deliveryReaders.holdsByIds(db, [entry.hold_id]) : [];
    return {
      ...entry,
      hold_status: hold?.status ?? null,
      hold_hub_id: hold?.hub_id ?? null,
      hold_expires_at: hold?.expires_at ?? null,
    };
  }

  /**
   * The drop's history: units of its SKUs' ended holds (and how many ended unconfirmed), confirmed
   * units (the delivery ledger's), and returned units (the returns module's).
   */
  async function dropHistory(dropId: string) {
    const [holds, returned] = await Promise.all([
      catalogReaders.skuIdsOf(db, dropId).then((skuIds) => deliveryReaders.endedHoldUnitsOfSkus(db, skuIds)),
      returnsReaders.returnedUnitsOfDrop(db, dropId),
    ]);
    return { ...holds, returned };
  }

  /** The slow inputs of an expected outcome: the SKU's restock and its drop's history (cached above). */
  async function slowInputs(dropId: string, skuId: string): Promise<SlowOutcomeInputs> {
    const [restock, history] = await Promise.all([
      cached(`restock\u0000${skuId}`, () => catalogReaders.fallbackRestock(db, skuId)),
      cached(`history\u0000${dropId}`, () => dropHistory(dropId)),
    ]);
    return { restock, history };
  }

  /**
   * One line's batch of joins, one statement: an entry that joins a sold-out line is stored with
   * what its promise is computed from (its inputs), and its buyer's answer is the promise computed
   * from exactly the inputs stored, so no answer leaves with a promise that was not stored. The
   * post-drop report computes the same promise from them (outcomes below). An entry that joined
   * while some units were free (fewer than it asked for) is answered after the offer that follows,
   * and its promised probability stored then.
   */
  async function joinWithPromises(entries: QueueJoinItem[]): Promise<JoinAnswer[]> {
    const rows = await repo.joinQueues(db, entries, db.engine === 'postgres');
    return rows.map((row) => (row.promise_inputs ? { ...row, promise: outcomeFromInputs(row.promise_inputs) } : row));
  }

  /** A waiting entry's place and what it may expect now, its reads side by side. */
  async function aheadAndOutcome(row: EntryRow, now: Date) {
    const [ahead, supply, slow] = await Promise.all([
      repo.ahead(db, row),
      repo.supply(db, row.sku_id, row.region_id, now),
      slowInputs(row.drop_id, row.sku_id),
    ]);
    return [ahead, outcomeOf(row, ahead, supply, slow, now)] as const;
  }

  /** The entry as the buyer sees it now: a waiting entry with its place and expected outcome. */
  async function present(
    row: EntryRow,
    known?: { ahead: { entries: number; units: number }; outcome: OutcomeWindow },
  ): Promise<Entry> {
    const now = clock.now();
    const base = {
      id: row.id,
      drop_id: row.drop_id,
      sku_id: row.sku_id,
      region_id: row.region_id,
      quantity: row.quantity,
      tier: row.tier,
      joined_at: row.joined_at.toISOString(),
      claim_seconds: row.claim_seconds,
    };
    const offer =
      row.hold_id && row.hold_hub_id && row.offered_at && row.hold_expires_at
        ? {
            hold_id: row.hold_id,
            hub_id: row.hold_hub_id,
            offered_at: row.offered_at.toISOString(),
            claim_by: row.hold_expires_at.toISOString(),
          }
        : null;
    if (row.status !== 'waiting')
      return {
        ...base,
        status: entryStatus(row, now),
        position: null,
        units_ahead: null,
        offer,
        expected_outcome: null,
      };
    const [ahead, outcome] = known ? [known.ahead, known.outcome] : await aheadAndOutcome(row, now);
    return {
      ...base,
      status: 'waiting',
      position: ahead.entries + 1,
      units_ahead: ahead.units,
      offer: null,
      expected_outcome: outcome,
    };
  }

  async function visibleEntry(principal: Principal, dropId: string, entryId: string): Promise<EntryRow> {
    await catalog.visibleDrop(principal, dropId);
    const row = await findEntry(entryId);
    if (!row || row.drop_id !== dropId || !ownsCreator(principal, row.creator_id))
      throw notFound('queue entry', entryId);
    return row;
  }

  return {
    /**
     * Puts a buyer in line for a SKU that has no units for them. Refused (422 naming `sku_id`,
     * nothing written) while a serving hub could hold the quantity now. One statement checks the
     * stock and stores the entry with the serving hub rows locked for share until it commits
     * (migration 0025), so no unit frees unseen in between; the trigger of migration 0022 offers
     * everything that frees later.
     */
    async join(principal: Principal, dropId: string, input: QueueJoinInput): Promise<Entry> {
      const snapshot = snapshots.current();
      const sku = snapshot.skus.get(input.sku_id);
      // The drop as the snapshot knows it when the SKU is one of its SKUs and the caller's: no
      // round trip. Anything else is the catalog's to answer (404 for a drop the caller cannot see).
      const opensAt =
        sku && sku.dropId === dropId && ownsCreator(principal, sku.creatorId)
          ? new Date(sku.opensAt)
          : (await catalog.visibleDrop(principal, dropId)).opens_at;
      if (!sku || sku.dropId !== dropId)
        throw new AppError('unprocessable', `SKU '${input.sku_id}' is not a SKU of drop '${dropId}'`, {
          errors: [{ path: 'sku_id', message: 'not a SKU of this drop' }],
        });
      const regionId = resolveRegion(snapshot, input);
      if (!sku.publishedPlanId)
        throw new AppError('conflict', `drop '${dropId}' has no published plan: nothing to wait for`, {
          extensions: { reason: 'no_published_plan', quantity_available: 0 },
        });
      const prepared = await access.prepareHold(principal, {
        dropId,
        opensAt,
        skuId: sku.id,
        regionId,
        tier: input.tier,
        accountId: input.account_id,
        deviceHash: input.device_hash,
        addressHash: input.address_hash,
      });
      const inStock = (available: number) =>
        new AppError(
          'unprocessable',
          `a hub serving region '${regionId}' has ${available} unit(s) of '${sku.id}' available: hold them instead`,
          {
            errors: [{ path: 'sku_id', message: `in stock for this buyer (${available} available): hold instead` }],
            extensions: { quantity_available: available },
          },
        );
      if (prepared?.accountHash) {
        // An account's limits: the stock check first (its 422 comes before a 403), then the room.
        const available = await deliveryReaders.maxAvailableAt(db, sku.id, servingHubIds(regionId));
        if (available >= input.quantity) throw inStock(available);
        // What the account waits for is read while the access module reads its holds (no extra wait).
        const accountHash = prepared.accountHash;
        const waiting = Promise.all([
          repo.waitingUnitsOfAccount(db, dropId, accountHash, sku.id),
          repo.waitingUnitsOfAccount(db, dropId, accountHash, null),
        ]).then(([skuWaiting, dropWaiting]) => ({ sku: skuWaiting, drop: dropWaiting }));
        await access.checkAccountRoom(prepared, input.quantity, waiting);
      }
      const tier = input.tier ?? null;
      // An account above the drop's signal threshold waits behind everyone (docs/queue.md).
      const tierRank = await access.queueRank(prepared, dropId, tier);
      const now = clock.now();
      const id = `qe_${randomUUID().replaceAll('-', '')}`;
      const slow = await slowInputs(dropId, sku.id);
      const joined = await joinBatches.submit(`${sku.id}\t${regionId}`, {
        id,
        dropId,
        creatorId: sku.creatorId,
        skuId: sku.id,
        regionId,
        quantity: input.quantity,
        tier,
        tierRank,
        accountHash: prepared?.accountHash ?? null,
        claimSeconds: input.claim_seconds,
        now,
        slow,
      });
      if (joined.outcome === 'in_stock') throw inStock(joined.available);
      // The serving rows stayed locked from the stock check to the commit, so nothing freed at
      // them unseen: with no unit available at any of them, there is nothing to offer. Otherwise
      // (units below this entry's quantity, which a head behind no one may take) as before a join.
      if (joined.available > 0) await offerAtServingHubs(sku.id, regionId, now);
      const row: EntryRow = {
        id,
        drop_id: dropId,
        creator_id: sku.creatorId,
        sku_id: sku.id,
        region_id: regionId,
        quantity: input.quantity,
        tier,
        tier_rank: tierRank,
        claim_seconds: input.claim_seconds,
        status: 'waiting',
        hold_id: null,
        joined_at: now,
        offered_at: null,
        hold_status: null,
        hold_hub_id: null,
        hold_expires_at: null,
      };
      if (joined.promise)
        return present(row, {
          ahead: { entries: joined.entries_ahead!, units: joined.units_ahead! },
          outcome: joined.promise,
        });
      const answer = await present((await findEntry(id))!);
      // Kept for the post-drop report: how often what the buyer was told came true.
      if (answer.expected_outcome) await views.storePromises(db, [promiseOf(id, answer.expected_outcome)]);
      return answer;
    },

    async get(principal: Principal, dropId: string, entryId: string): Promise<Entry> {
      return present(await visibleEntry(principal, dropId, entryId));
    },

    /**
     * Leaves the line; idempotent. An unclaimed offer is released with it (its units go to the next
     * in line, in the same transaction, by the trigger of migration 0022).
     */
    async leave(principal: Principal, dropId: string, entryId: string): Promise<Entry> {
      const row = await visibleEntry(principal, dropId, entryId);
      if (row.status !== 'left') await leaveLine(row, clock.now());
      return present((await findEntry(entryId))!);
    },

    /** Waiting entries and units per region and SKU of a drop, for the creator's preview. */
    async waitingByRegion(dropId: string) {
      return views.waitingByRegion(db, dropId);
    },

    /** Every entry of a drop with its promise at the join and its offer's fate, for the post-drop report. */
    async outcomes(dropId: string): Promise<OutcomeRow[]> {
      const entries = await views.outcomeEntries(db, dropId);
      const offered = entries.flatMap((e) => (e.hold_id ? [e.hold_id] : []));
      const holds = new Map((await deliveryReaders.holdsByIds(db, offered)).map((h) => [h.id, h]));
      return entries.map(({ hold_id, promise_inputs, ...entry }) => {
        const hold = hold_id ? holds.get(hold_id) : undefined;
        const promised =
          entry.promised_probability ?? (promise_inputs ? outcomeFromInputs(promise_inputs).probability : null);
        return {
          ...entry,
          promised_probability: promised,
          hold_status: hold?.status ?? null,
          hold_expires_at: hold?.expires_at ?? null,
        };
      });
    },

    /** Entries of these drops forget their account hashes, in the caller's transaction (signal retention). */
    async forgetAccounts(tx: Queryable, dropIds: string[]): Promise<number> {
      return repo.forgetAccounts(tx, dropIds);
    },

    /** Offers every available unit to the queues waiting for it (the periodic job; the trigger does it at once). */
    async offerAvailable(): Promise<number> {
      const lines = await repo.listWaitingLines(db);
      if (lines.length === 0) return 0;
      const hubIdsByRegion = new Map<string, string[]>();
      for (const hub of await catalogReaders.hubs(db))
        for (const lane of hub.lanes)
          hubIdsByRegion.set(lane.region_id, [...(hubIdsByRegion.get(lane.region_id) ?? []), hub.id]);
      const pairs = new Map<string, { hubId: string; skuId: string }>();
      for (const line of lines)
        for (const hubId of hubIdsByRegion.get(line.region_id) ?? [])
          pairs.set(`${hubId}\u0000${line.sku_id}`, { hubId, skuId: line.sku_id });
      const free = await deliveryReaders.pairsWithUnitsFree(db, [...pairs.values()]);
      return repo.offerQueuedUnitsAt(db, free, clock.now());
    },
  };
}

function entryStatus(row: EntryRow, now: Date): Entry['status'] {
  if (row.status === 'left') return 'left';
  if (row.status === 'waiting') return 'waiting';
  if (row.hold_status === 'confirmed') return 'claimed';
  if (row.hold_status === 'held' && row.hold_expires_at && row.hold_expires_at.getTime() > now.getTime())
    return 'offered';
  return 'lapsed';
}

export type QueueService = ReturnType<typeof createQueueService>;
