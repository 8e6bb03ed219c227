import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryRepository } from '../../../src/modules/delivery/delivery.repository';
import {
  queueRepository,
  type PromiseInputs,
  type QueueJoinItem,
  type QueueJoinRow,
  type SlowOutcomeInputs,
  type SupplyRow,
} from '../../../src/modules/queue/queue.repository';
import { queueViewsRepository } from '../../../src/modules/queue/queue-views.repository';
import { freshId, insertCreatorWithDrops } from '../../factories/catalog-factory';
import { publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

/**
 * Several queue joins in one statement (join_queue_batch, migrations 0027 and 0028): each joins
 * exactly as it would alone, in the order of its counter shard, answered by its index in the batch,
 * an entry of a sold-out line stored with its promise's inputs (its own line's supply); all or
 * nothing when the statement fails. And the promises stated to buyers, stored many per statement.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const NOW = new Date('2026-11-23T12:00:00Z');
const HOLDS_EXPIRE = new Date('2026-11-23T12:05:00Z');
const PUBLIC_RANK = 1000;

/**
 * One SKU at three hubs, each serving one region: `soldOut` (2 units, both held by holds of 1),
 * `soldOutElsewhere` (3 units, held by one hold of 3) and `inStock` (5 units free). The first two
 * regions differ in what may free up and in how fast their hub delivers.
 */
interface Drop {
  creatorId: string;
  dropId: string;
  skuId: string;
  soldOut: string;
  soldOutElsewhere: string;
  inStock: string;
}

async function seedDrop(): Promise<Drop> {
  const creatorId = freshId('creator');
  const dropId = freshId('drop');
  const skuId = freshId('sku');
  const partnerId = freshId('partner');
  await insertCreatorWithDrops(t.db, creatorId, [{ id: dropId }]);
  await t.db.query(`insert into partners (id, name) values ($1, 'Partner')`, [partnerId]);
  await t.db.query(`insert into skus (id, drop_id, name, price, unit_cost) values ($1, $2, 'Hoodie', 60, 20)`, [
    skuId,
    dropId,
  ]);
  const lines = [
    { units: 2, handlingDays: 0, transit: [1, 2] },
    { units: 3, handlingDays: 1, transit: [3, 5] },
    { units: 5, handlingDays: 0, transit: [1, 1] },
  ] as const;
  const regionIds: string[] = [];
  const hubIds: string[] = [];
  for (const line of lines) {
    const regionId = freshId('region');
    const hubId = freshId('hub');
    await t.db.query(`insert into regions (id, name, time_zone) values ($1, 'Region', 'America/New_York')`, [regionId]);
    await t.db.query(
      `insert into hubs (id, name, operator_partner_id, capacity_units, time_zone, order_cutoff_local, handling_days)
       values ($1, 'Hub', $2, 1000, 'America/New_York', '15:00', $3)`,
      [hubId, partnerId, line.handlingDays],
    );
    await t.db.query(
      `insert into hub_lanes (hub_id, region_id, position, transit_days_min, transit_days_max) values ($1, $2, 0, $3, $4)`,
      [hubId, regionId, line.transit[0], line.transit[1]],
    );
    regionIds.push(regionId);
    hubIds.push(hubId);
  }
  await publishPlanWithAllocations(
    t.db,
    dropId,
    lines.map((line, i) => ({ skuId, hubId: hubIds[i]!, units: line.units })),
  );
  const hold = (i: number, quantity: number) => ({
    id: freshId('hold'),
    hubIds: [hubIds[i]!],
    skuId,
    regionId: regionIds[i]!,
    quantity,
    creatorId,
    now: NOW,
    expiresAt: HOLDS_EXPIRE,
    access: null,
  });
  const placed = await deliveryRepository.placeHolds(t.db, [hold(0, 1), hold(0, 1), hold(1, 3)], false);
  expect(placed.map((p) => p.outcome)).toEqual(['held', 'held', 'held']);
  return {
    creatorId,
    dropId,
    skuId,
    soldOut: regionIds[0]!,
    soldOutElsewhere: regionIds[1]!,
    inStock: regionIds[2]!,
  };
}

/** What may free up at each region's hub, as seeded: the holds, their expiry and the delivery days. */
const supplyOf = (drop: Drop, regionId: string): SupplyRow => {
  const common = { last_hold_expiry: HOLDS_EXPIRE, confirmed_units: 0, returning_units: 0, last_return_at: null };
  if (regionId === drop.soldOut)
    return { ...common, holds_by_size: [[1, 2]], delivery_days_min: 1, delivery_days_max: 2 };
  if (regionId === drop.soldOutElsewhere)
    return { ...common, holds_by_size: [[3, 1]], delivery_days_min: 4, delivery_days_max: 6 };
  throw new Error(`no supply seeded for ${regionId}`);
};

/** The slow inputs the service sends with each join (the drop's history and the SKU's restock). */
const SLOW: SlowOutcomeInputs = {
  restock: { units: 4, lead_min: 3, lead_max: 5 },
  history: { ended: 40, unclaimed: 9, confirmed: 31, returned: 2 },
};

/** Promise inputs with their times as epoch milliseconds (the database writes ISO text its own way). */
function inputsInMs(inputs: PromiseInputs | null) {
  if (!inputs) return null;
  const ms = (iso: string | null) => (iso === null ? null : new Date(iso).getTime());
  return {
    ...inputs,
    now: ms(inputs.now),
    supply: {
      ...inputs.supply,
      last_hold_expiry: ms(inputs.supply.last_hold_expiry),
      last_return_at: ms(inputs.supply.last_return_at),
    },
  };
}

/** The promise inputs a join of a sold-out line must store and answer: its place, its line's supply, the clock, SLOW. */
function expectedInputs(drop: Drop, item: QueueJoinItem, unitsAhead: number | null) {
  const supply = supplyOf(drop, item.regionId);
  return {
    units_ahead: unitsAhead,
    quantity: item.quantity,
    claim_seconds: item.claimSeconds,
    now: item.now.getTime(),
    supply: { ...supply, last_hold_expiry: supply.last_hold_expiry?.getTime() ?? null, last_return_at: null },
    slow: SLOW,
  };
}

/** Each joined answer of a sold-out line carries the inputs expected, and the entry stores exactly those. */
async function expectPromiseInputs(drop: Drop, items: QueueJoinItem[], answers: QueueJoinRow[]) {
  const { rows } = await t.db.query<{ id: string; promise_inputs: PromiseInputs | null }>(
    'select id, promise_inputs from queue_entries where id = any($1::text[])',
    [items.map((i) => i.id)],
  );
  const stored = new Map(rows.map((r) => [r.id, r.promise_inputs]));
  for (const [i, item] of items.entries()) {
    const answer = answers[i]!;
    if (answer.outcome !== 'joined' || answer.available > 0) continue;
    expect({ id: item.id, inputs: inputsInMs(answer.promise_inputs) }).toEqual({
      id: item.id,
      inputs: expectedInputs(drop, item, answer.units_ahead),
    });
    expect(stored.get(item.id)).toEqual(answer.promise_inputs);
  }
}

function joinItem(drop: Drop, regionId: string, over: Partial<QueueJoinItem> = {}): QueueJoinItem {
  return {
    id: freshId('qe'),
    dropId: drop.dropId,
    creatorId: drop.creatorId,
    skuId: drop.skuId,
    regionId,
    quantity: 1,
    tier: null,
    tierRank: PUBLIC_RANK,
    accountHash: null,
    claimSeconds: 300,
    now: NOW,
    slow: SLOW,
    ...over,
  };
}

const joinAll = (items: QueueJoinItem[]) => queueRepository.joinQueues(t.db, items, t.engine === 'postgres');

/** The counter shard of each id (migration 0025), as the database computes it. */
async function shardsOf(ids: string[]): Promise<Map<string, number>> {
  const { rows } = await t.db.query<{ id: string; shard: number }>(
    'select id, abs(hashtext(id)) % 8 as shard from unnest($1::text[]) as id',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.shard]));
}

/** Eight entry ids, one per counter shard, given from shard 7 down to shard 0. */
async function idsInReverseShardOrder(): Promise<string[]> {
  const byShard = new Map<number, string>();
  while (byShard.size < 8) {
    const candidates = Array.from({ length: 32 }, () => freshId('qe'));
    for (const [id, shard] of await shardsOf(candidates)) if (!byShard.has(shard)) byShard.set(shard, id);
  }
  return [7, 6, 5, 4, 3, 2, 1, 0].map((shard) => byShard.get(shard)!);
}

interface StoredEntry {
  id: string;
  seq: number;
  tier_rank: number;
  quantity: number;
}

/** The waiting entries of a line, in arrival order (seq), read straight from the table. */
async function waitingLine(drop: Drop, regionId: string): Promise<StoredEntry[]> {
  const { rows } = await t.db.query<StoredEntry>(
    `select id, seq::int as seq, tier_rank, quantity from queue_entries
     where sku_id = $1 and region_id = $2 and status = 'waiting' order by seq`,
    [drop.skuId, regionId],
  );
  return rows;
}

/** What waits ahead of an entry, by a direct count: waiting entries of its rank or better that arrived before it. */
function aheadOf(line: StoredEntry[], id: string) {
  const own = line.find((e) => e.id === id);
  if (!own) throw new Error(`${id} is not waiting`);
  const ahead = line.filter((e) => e.tier_rank <= own.tier_rank && e.seq < own.seq);
  return { entries_ahead: ahead.length, units_ahead: ahead.reduce((sum, e) => sum + e.quantity, 0) };
}

/** Each joined answer's place is the direct count's for its entry. */
async function expectPlacesCounted(drop: Drop, items: QueueJoinItem[], answers: QueueJoinRow[]) {
  const lines = new Map<string, StoredEntry[]>();
  for (const [i, item] of items.entries()) {
    if (answers[i]!.outcome !== 'joined') continue;
    const line = lines.get(item.regionId) ?? (await waitingLine(drop, item.regionId));
    lines.set(item.regionId, line);
    expect({ id: item.id, ...pick(answers[i]!) }).toEqual({ id: item.id, ...aheadOf(line, item.id) });
  }
}
const pick = (row: QueueJoinRow) => ({ entries_ahead: row.entries_ahead, units_ahead: row.units_ahead });

/** The waiting counters of a line per tier rank (summed over shards) and the same counted from the entries. */
async function countersAndCounts(drop: Drop, regionId: string) {
  const { rows: counters } = await t.db.query<{ tier_rank: number; entries: number; units: number }>(
    `select tier_rank, sum(entries)::int as entries, sum(units)::int as units from queue_waiting_totals
     where sku_id = $1 and region_id = $2 group by tier_rank having sum(entries) <> 0 order by tier_rank`,
    [drop.skuId, regionId],
  );
  const { rows: counted } = await t.db.query<{ tier_rank: number; entries: number; units: number }>(
    `select tier_rank, count(*)::int as entries, sum(quantity)::int as units from queue_entries
     where sku_id = $1 and region_id = $2 and status = 'waiting' group by tier_rank order by tier_rank`,
    [drop.skuId, regionId],
  );
  return { counters, counted };
}

async function expectCountersTrue(drop: Drop, regionId: string) {
  const { counters, counted } = await countersAndCounts(drop, regionId);
  expect(counters).toEqual(counted);
}

async function storedIds(ids: string[]): Promise<string[]> {
  const { rows } = await t.db.query<{ id: string }>(
    'select id from queue_entries where id = any($1::text[]) order by seq',
    [ids],
  );
  return rows.map((r) => r.id);
}

describe(`join_queue_batch (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('answers in the joins’ order while joining in counter-shard order, each place counted from the entries before it', async () => {
    const drop = await seedDrop();
    const ids = await idsInReverseShardOrder();
    const quantities = [1, 2, 3, 1, 2, 1, 3, 2];
    const items = ids.map((id, i) => joinItem(drop, drop.soldOut, { id, quantity: quantities[i]! }));
    const answers = await joinAll(items);

    expect(answers).toHaveLength(8);
    // Stored in shard order, the reverse of the order given…
    expect(await storedIds(ids)).toEqual([...ids].reverse());
    // …and answered by position: the last given joined first, with nobody ahead.
    expect(answers.map((a) => a.entries_ahead)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    const unitsAfter = (i: number) => quantities.slice(i + 1).reduce((sum, q) => sum + q, 0);
    expect(answers.map((a) => a.units_ahead)).toEqual(quantities.map((_, i) => unitsAfter(i)));
    for (const answer of answers) expect(answer).toMatchObject({ outcome: 'joined', available: 0 });
    await expectPromiseInputs(drop, items, answers);
    await expectPlacesCounted(drop, items, answers);
    await expectCountersTrue(drop, drop.soldOut);

    // A second batch of the line counts the first one ahead of it.
    const more = [joinItem(drop, drop.soldOut, { quantity: 2 }), joinItem(drop, drop.soldOut)];
    const moreAnswers = await joinAll(more);
    expect(moreAnswers.map((a) => a.entries_ahead).sort()).toEqual([8, 9]);
    await expectPlacesCounted(drop, more, moreAnswers);
    await expectCountersTrue(drop, drop.soldOut);
  });

  it('answers in_stock for the joins of a line a hub can serve, writing nothing for them, and joins the others', async () => {
    const drop = await seedDrop();
    const items = [
      joinItem(drop, drop.soldOut),
      joinItem(drop, drop.inStock, { quantity: 2 }),
      joinItem(drop, drop.soldOut, { quantity: 2 }),
      joinItem(drop, drop.inStock, { quantity: 5 }),
      // More than the hub has: this one waits, told the most one serving hub had.
      joinItem(drop, drop.inStock, { quantity: 6 }),
    ];
    const answers = await joinAll(items);

    expect(answers.map((a) => [a.outcome, a.available])).toEqual([
      ['joined', 0],
      ['in_stock', 5],
      ['joined', 0],
      ['in_stock', 5],
      ['joined', 5],
    ]);
    for (const i of [1, 3])
      expect(answers[i]).toEqual({
        outcome: 'in_stock',
        available: 5,
        entries_ahead: null,
        units_ahead: null,
        promise_inputs: null,
      });
    // The entry that waits while its line has units (fewer than it asks for) is promised after the
    // offer that follows (the service's), not from inputs stored at the join.
    expect(answers[4]!.promise_inputs).toBeNull();
    await expectPromiseInputs(drop, items, answers);
    expect((await storedIds(items.map((i) => i.id))).sort()).toEqual([items[0]!.id, items[2]!.id, items[4]!.id].sort());
    expect(pick(answers[4]!)).toEqual({ entries_ahead: 0, units_ahead: 0 });
    await expectPlacesCounted(drop, items, answers);
    await expectCountersTrue(drop, drop.soldOut);
    // The in-stock line counts only the entry that joined it.
    expect(await countersAndCounts(drop, drop.inStock)).toEqual({
      counters: [{ tier_rank: PUBLIC_RANK, entries: 1, units: 6 }],
      counted: [{ tier_rank: PUBLIC_RANK, entries: 1, units: 6 }],
    });
    // Nothing was held by the stock check.
    const { rows } = await t.db.query<{ held: number }>(
      `select s.held from hub_stock s join hub_lanes l on l.hub_id = s.hub_id where s.sku_id = $1 and l.region_id = $2`,
      [drop.skuId, drop.inStock],
    );
    expect(rows).toEqual([{ held: 0 }]);
  });

  it('gives the joins of two lines in one batch each their own line’s place and supply', async () => {
    const drop = await seedDrop();
    const regions = [drop.soldOut, drop.soldOutElsewhere];
    const items = Array.from({ length: 10 }, (_, i) => joinItem(drop, regions[i % 2]!, { quantity: 1 + (i % 3) }));
    const answers = await joinAll(items);

    for (const [i, item] of items.entries())
      expect({ id: item.id, ...answers[i]! }).toMatchObject({ id: item.id, outcome: 'joined', available: 0 });
    await expectPromiseInputs(drop, items, answers);
    // Five in each line: places 0..4 in each, counted per line.
    for (const regionId of regions) {
      const places = items.flatMap((item, i) => (item.regionId === regionId ? [answers[i]!.entries_ahead] : []));
      expect(places.sort()).toEqual([0, 1, 2, 3, 4]);
      await expectCountersTrue(drop, regionId);
    }
    await expectPlacesCounted(drop, items, answers);
  });

  it('counts ahead of a better tier only the waiting entries of its rank or better', async () => {
    const drop = await seedDrop();
    const publicFirst = [1, 2, 3].map((quantity) => joinItem(drop, drop.soldOut, { quantity }));
    expect((await joinAll(publicFirst)).map((a) => a.entries_ahead).sort()).toEqual([0, 1, 2]);

    // Rank 0 after three public entries: nobody ahead of it.
    const holder = joinItem(drop, drop.soldOut, { tier: 'holders', tierRank: 0, quantity: 2 });
    expect(pick((await joinAll([holder]))[0]!)).toEqual({ entries_ahead: 0, units_ahead: 0 });

    // A mixed batch: each counts its own rank and the better ones, by arrival.
    const mixed = [
      joinItem(drop, drop.soldOut, { tier: 'members', tierRank: 1 }),
      joinItem(drop, drop.soldOut),
      joinItem(drop, drop.soldOut, { tier: 'holders', tierRank: 0, quantity: 3 }),
      joinItem(drop, drop.soldOut, { tier: 'members', tierRank: 1, quantity: 2 }),
      joinItem(drop, drop.soldOut, { tier: 'holders', tierRank: 0 }),
    ];
    const answers = await joinAll(mixed);
    await expectPlacesCounted(drop, mixed, answers);
    // Whatever the shard order: a holder sees the holder before the batch (2 units) and at most the
    // other holder of the batch; a public entry sees all 4 public and tiered entries before the batch.
    expect([answers[2]!.entries_ahead, answers[4]!.entries_ahead].sort()).toEqual([1, 2]);
    expect(answers[1]!.entries_ahead).toBeGreaterThanOrEqual(4);
    expect(answers[0]!.entries_ahead).toBeLessThan(5);
    await expectCountersTrue(drop, drop.soldOut);
  });

  it('fails as a whole when one join breaks a constraint of queue_entries: nothing of the batch is written', async () => {
    const drop = await seedDrop();
    const before = await joinAll([joinItem(drop, drop.soldOut, { quantity: 2 })]);
    expect(before[0]!.outcome).toBe('joined');
    const countersBefore = await countersAndCounts(drop, drop.soldOut);

    // queue_entries.claim_seconds > 0. (A quantity of 0 never reaches the insert: every hub has
    // 0 units available, so the stock check answers in_stock.)
    const items = [
      joinItem(drop, drop.soldOut),
      joinItem(drop, drop.soldOut, { claimSeconds: 0 }),
      joinItem(drop, drop.soldOut),
    ];
    await expect(joinAll(items)).rejects.toThrow(/queue_entries_claim_seconds_check|check constraint/);
    expect(await storedIds(items.map((i) => i.id))).toEqual([]);
    expect(await countersAndCounts(drop, drop.soldOut)).toEqual(countersBefore);

    // A drop that does not exist (queue_entries.drop_id references drops).
    const orphan = [joinItem(drop, drop.soldOut), joinItem(drop, drop.soldOut, { dropId: freshId('drop-none') })];
    await expect(joinAll(orphan)).rejects.toThrow(/queue_entries_drop_id_fkey|foreign key/);
    expect(await storedIds(orphan.map((i) => i.id))).toEqual([]);
    expect(await countersAndCounts(drop, drop.soldOut)).toEqual(countersBefore);

    // The same joins without the bad ones go through, behind the entry that joined before.
    const good = [items[0]!, items[2]!, orphan[0]!];
    const answers = await joinAll(good);
    expect(answers.map((a) => a.entries_ahead).sort()).toEqual([1, 2, 3]);
    await expectPlacesCounted(drop, good, answers);
    await expectCountersTrue(drop, drop.soldOut);
  });
});

describe('storing the promises stated at the join', () => {
  async function promisesOf(ids: string[]) {
    const { rows } = await t.db.query<{
      id: string;
      promised_probability: number | null;
      promised_probability_from_stock: number | null;
    }>(
      'select id, promised_probability, promised_probability_from_stock from queue_entries where id = any($1::text[]) order by id',
      [ids],
    );
    return new Map(rows.map(({ id, ...promise }) => [id, promise]));
  }

  it('stores each waiting entry’s promise in one statement, and never overwrites a promise stored before', async () => {
    const drop = await seedDrop();
    const items = [1, 2, 3].map(() => joinItem(drop, drop.soldOut));
    await joinAll(items);
    const [a, b, c] = items.map((i) => i.id) as [string, string, string];

    await queueViewsRepository.storePromises(t.db, [
      { entryId: a, probability: 0.5, probabilityFromStock: 0.25 },
      { entryId: b, probability: 0.125, probabilityFromStock: 0 },
    ]);
    expect(await promisesOf([a, b, c])).toEqual(
      new Map([
        [a, { promised_probability: 0.5, promised_probability_from_stock: 0.25 }],
        [b, { promised_probability: 0.125, promised_probability_from_stock: 0 }],
        [c, { promised_probability: null, promised_probability_from_stock: null }],
      ]),
    );

    // A second statement with a new promise for A: A keeps the first; C gets its own; an id that
    // is no entry changes nothing.
    await queueViewsRepository.storePromises(t.db, [
      { entryId: a, probability: 0.9, probabilityFromStock: 0.9 },
      { entryId: c, probability: 1, probabilityFromStock: 0.75 },
      { entryId: freshId('qe-none'), probability: 0.3, probabilityFromStock: 0.3 },
    ]);
    expect(await promisesOf([a, b, c])).toEqual(
      new Map([
        [a, { promised_probability: 0.5, promised_probability_from_stock: 0.25 }],
        [b, { promised_probability: 0.125, promised_probability_from_stock: 0 }],
        [c, { promised_probability: 1, promised_probability_from_stock: 0.75 }],
      ]),
    );
  });
});
