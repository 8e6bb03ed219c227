import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRepository } from '../../../src/modules/access/access.repository';
import {
  deliveryRepository,
  type HoldBatchItem,
  type HoldBatchRow,
} from '../../../src/modules/delivery/delivery.repository';
import { freshId, insertCreatorWithDrops } from '../../factories/catalog-factory';
import { publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

/**
 * Several holds in one statement (place_holds, migration 0026): each placed exactly as it would be
 * alone, one after another, answered by its position in the batch, and all or nothing when the
 * statement fails.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const NOW = new Date('2026-11-23T12:00:00Z');
const LATER = new Date('2026-11-23T12:05:00Z');

interface StockedSku {
  creatorId: string;
  dropId: string;
  skuId: string;
  hubIds: string[];
}

/** A drop with one SKU and one hub per entry of `unitsPerHub`, its units placed by a published plan. */
async function stockedSku(unitsPerHub: number[]): Promise<StockedSku> {
  const creatorId = freshId('creator');
  const dropId = freshId('drop');
  const skuId = freshId('sku');
  const partnerId = freshId('partner');
  const hubIds = unitsPerHub.map(() => freshId('hub'));
  await insertCreatorWithDrops(t.db, creatorId, [{ id: dropId }]);
  await t.db.query(`insert into partners (id, name) values ($1, 'Partner')`, [partnerId]);
  for (const hubId of hubIds)
    await t.db.query(
      `insert into hubs (id, name, operator_partner_id, capacity_units, time_zone, order_cutoff_local, handling_days)
       values ($1, 'Hub', $2, 1000, 'America/New_York', '15:00', 0)`,
      [hubId, partnerId],
    );
  await t.db.query(`insert into skus (id, drop_id, name, price, unit_cost) values ($1, $2, 'Hoodie', 60, 20)`, [
    skuId,
    dropId,
  ]);
  await publishPlanWithAllocations(
    t.db,
    dropId,
    hubIds.map((hubId, i) => ({ skuId, hubId, units: unitsPerHub[i]! })),
  );
  return { creatorId, dropId, skuId, hubIds };
}

/** A plain hold (no access rules) of `quantity` units, trying the SKU's hubs in the order given. */
function plainHold(sku: StockedSku, quantity: number, over: Partial<HoldBatchItem> = {}): HoldBatchItem {
  return {
    id: freshId('hold'),
    hubIds: sku.hubIds,
    skuId: sku.skuId,
    regionId: 'region-1',
    quantity,
    creatorId: sku.creatorId,
    now: NOW,
    expiresAt: LATER,
    access: null,
    ...over,
  };
}

const place = (items: HoldBatchItem[]) => deliveryRepository.placeHolds(t.db, items, t.engine === 'postgres');

const held = (hubId: string, available: number): HoldBatchRow => ({
  outcome: 'held',
  hub_id: hubId,
  available,
  used: null,
  account_limit: null,
});
const refused = (available: number): HoldBatchRow => ({
  outcome: 'refused',
  hub_id: null,
  available,
  used: null,
  account_limit: null,
});

/** Per hub of the SKU: the held counter, and what its active holds add up to (the ledger invariant). */
async function ledger(skuId: string) {
  const { rows } = await t.db.query<{ hub_id: string; held: number; active: number }>(
    `select s.hub_id, s.held,
       (select coalesce(sum(h.quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active
     from hub_stock s where s.sku_id = $1 order by s.hub_id`,
    [skuId],
  );
  return rows;
}

async function expectLedgerTrue(sku: StockedSku, heldPerHub: number[]) {
  const rows = await ledger(sku.skuId);
  expect(rows.map((r) => r.held)).toEqual(rows.map((r) => r.active));
  const byHub = new Map(rows.map((r) => [r.hub_id, r.held]));
  expect(sku.hubIds.map((hubId) => byHub.get(hubId))).toEqual(heldPerHub);
}

async function holdRows(ids: string[]) {
  const { rows } = await t.db.query<{ id: string; hub_id: string; quantity: number; status: string }>(
    'select id, hub_id, quantity, status from reservation_holds where id = any($1::text[]) order by id',
    [ids],
  );
  return rows;
}

describe(`place_holds (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('answers one row per hold in the holds’ order, each placed after the ones before it', async () => {
    const sku = await stockedSku([5]);
    const hub = sku.hubIds[0]!;
    const items = [2, 4, 1, 3, 2].map((quantity) => plainHold(sku, quantity));
    // 5 units: 2 held (3 left), 4 refused, 1 held (2 left), 3 refused, 2 held (0 left).
    expect(await place(items)).toEqual([held(hub, 3), refused(3), held(hub, 2), refused(2), held(hub, 0)]);
    const stored = await holdRows(items.map((i) => i.id));
    expect(stored.map((r) => r.id).sort()).toEqual([items[0]!.id, items[2]!.id, items[4]!.id].sort());
    expect(stored.every((r) => r.status === 'held' && r.hub_id === hub)).toBe(true);
    await expectLedgerTrue(sku, [5]);
  });

  it('tries a plain hold’s hubs in the order given: a hub without enough units passes it to the next', async () => {
    const sku = await stockedSku([1, 5]);
    const [small, large] = sku.hubIds as [string, string];
    // Plain holds of a batch run by first hub, then in arrival order (the batch's lock order).
    const answers = await place([
      plainHold(sku, 2, { hubIds: [small, large] }),
      plainHold(sku, 1, { hubIds: [small, large] }),
      plainHold(sku, 2, { hubIds: [small, large] }),
      plainHold(sku, 2, { hubIds: [small, large] }),
    ]);
    expect(answers).toEqual([held(large, 3), held(small, 0), held(large, 1), refused(1)]);
    await expectLedgerTrue(sku, [1, 4]);
  });

  it('answers the second of two holds with one id as existing, holding its units once', async () => {
    const sku = await stockedSku([10]);
    const hold = plainHold(sku, 3);
    const answers = await place([hold, plainHold(sku, 1), { ...hold }]);
    expect(answers.map((a) => a.outcome)).toEqual(['held', 'held', 'existing']);
    expect(answers[2]).toMatchObject({ hub_id: null });
    expect(await holdRows([hold.id])).toHaveLength(1);
    await expectLedgerTrue(sku, [4]);
    // In a later batch too.
    expect((await place([hold]))[0]!.outcome).toBe('existing');
    await expectLedgerTrue(sku, [4]);
  });

  it('refuses a hold no hub can take, reporting the most units one hub had, not their sum', async () => {
    const sku = await stockedSku([3, 4, 2]);
    const hubWithoutStock = freshId('hub-nowhere');
    const answers = await place([
      plainHold(sku, 6),
      // A hub the SKU has no stock row at counts as 0, wherever it stands in the list.
      plainHold(sku, 5, { hubIds: [sku.hubIds[1]!, hubWithoutStock, sku.hubIds[0]!] }),
      plainHold(sku, 1, { hubIds: [hubWithoutStock] }),
      plainHold(sku, 1, { hubIds: [] }),
    ]);
    expect(answers).toEqual([refused(4), refused(4), refused(0), refused(0)]);
    await expectLedgerTrue(sku, [0, 0, 0]);
  });

  it('frees due holds hub by hub before placing, as a hold alone does, and keeps held = Σ active holds', async () => {
    const sku = await stockedSku([4]);
    const first = await place([plainHold(sku, 4)]);
    expect(first).toEqual([held(sku.hubIds[0]!, 0)]);
    // After the first hold's expiry: its 4 units are free again for the batch.
    const later = { now: LATER, expiresAt: new Date(LATER.getTime() + 300_000) };
    const answers = await place([plainHold(sku, 3, later), plainHold(sku, 2, later), plainHold(sku, 1, later)]);
    expect(answers).toEqual([held(sku.hubIds[0]!, 1), refused(1), held(sku.hubIds[0]!, 0)]);
    await expectLedgerTrue(sku, [4]);
  });

  it('fails as a whole when one hold breaks a constraint: nothing of the batch is written', async () => {
    const sku = await stockedSku([10]);
    const before = await place([plainHold(sku, 2)]);
    expect(before[0]!.outcome).toBe('held');
    // reservation_holds.quantity > 0: a hold of 0 units fits every hub, and its insert is refused.
    const items = [plainHold(sku, 1), plainHold(sku, 0), plainHold(sku, 3)];
    await expect(place(items)).rejects.toThrow(/reservation_holds_quantity_check|check constraint/);
    expect(await holdRows(items.map((i) => i.id))).toEqual([]);
    await expectLedgerTrue(sku, [2]);
    // The same holds without the bad one go through.
    expect((await place([items[0]!, items[2]!])).map((a) => a.outcome)).toEqual(['held', 'held']);
    await expectLedgerTrue(sku, [6]);
  });
});

describe('place_holds with access rules', () => {
  /**
   * 10 units; tier 'holders' (open now) reserves half of them drop-wide; one account may hold at
   * most 2 units of the SKU. Holds with access run in the order of their account hashes, so the
   * items below are given in the reverse of that order: the answers must still come back by position.
   */
  async function tieredSku() {
    const sku = await stockedSku([10]);
    await t.db.transaction((tx) =>
      accessRepository.replaceAccess(tx, sku.dropId, {
        perDropLimit: null,
        abuseThreshold: null,
        tiers: [
          { name: 'holders', startsAt: new Date('2026-11-01T00:00:00Z'), endsAt: new Date('2026-12-01T00:00:00Z') },
        ],
        reserves: [{ tier: 'holders', skuId: sku.skuId, scope: '', share: 0.5 }],
        skuLimits: [{ skuId: sku.skuId, perAccount: 2 }],
        now: NOW,
      }),
    );
    const withAccess = (quantity: number, tier: string | null, accountHash: string): HoldBatchItem =>
      plainHold(sku, quantity, { access: { dropId: sku.dropId, tier, accountHash } });
    return { sku, withAccess };
  }

  it('answers the reserve and account-limit refusals in their rows while the other holds are placed', async () => {
    const { sku, withAccess } = await tieredSku();
    const hub = sku.hubIds[0]!;
    const items = [
      // Runs last: 7 available, 3 still reserved for holders, so the public may take 4, not 6.
      withAccess(6, null, 'd-public'),
      // Runs third: within the reserve, but over the account's 2 units of this SKU.
      withAccess(3, 'holders', 'c-holder'),
      // Runs second: 8 available, 3 reserved: 1 unit for the public fits.
      withAccess(1, null, 'b-public'),
      // Runs first: 2 units out of the holders' reserve of 5.
      withAccess(2, 'holders', 'a-holder'),
    ];
    const answers = await place(items);
    expect(answers).toEqual([
      { outcome: 'reserved', hub_id: null, available: 4, used: null, account_limit: null },
      { outcome: 'sku_limit', hub_id: null, available: null, used: 0, account_limit: 2 },
      held(hub, 7),
      held(hub, 8),
    ]);
    expect((await holdRows(items.map((i) => i.id))).map((r) => r.id).sort()).toEqual(
      [items[2]!.id, items[3]!.id].sort(),
    );
    const { rows: claims } = await t.db.query<{ hold_id: string; tier: string | null; drop_units: number }>(
      'select hold_id, tier, drop_units from hold_access_claims where hold_id = any($1::text[]) order by tier nulls first',
      [items.map((i) => i.id)],
    );
    expect(claims).toEqual([
      { hold_id: items[2]!.id, tier: null, drop_units: 0 },
      { hold_id: items[3]!.id, tier: 'holders', drop_units: 2 },
    ]);
    await expectLedgerTrue(sku, [3]);
  });

  it('counts a hold placed earlier in the batch against the same account’s limit', async () => {
    const { sku, withAccess } = await tieredSku();
    const answers = await place([withAccess(1, 'holders', 'acct'), withAccess(2, 'holders', 'acct')]);
    expect(answers.map((a) => a.outcome)).toEqual(['held', 'sku_limit']);
    expect(answers[1]).toMatchObject({ used: 1, account_limit: 2 });
    await expectLedgerTrue(sku, [1]);
  });

  it('reads the reserves again when a tier’s window ends between two holds of the batch', async () => {
    // Holders keep half of the 10 units until END; then their leftover is ordinary stock.
    const END = new Date(NOW.getTime() + 60_000);
    const sku = await stockedSku([10]);
    await t.db.transaction((tx) =>
      accessRepository.replaceAccess(tx, sku.dropId, {
        perDropLimit: null,
        abuseThreshold: null,
        tiers: [{ name: 'holders', startsAt: new Date('2026-11-01T00:00:00Z'), endsAt: END }],
        reserves: [{ tier: 'holders', skuId: sku.skuId, scope: '', share: 0.5 }],
        skuLimits: [],
        now: NOW,
      }),
    );
    const at = (ms: number) => ({ now: new Date(ms), expiresAt: new Date(ms + 600_000) });
    const answers = await place([
      // Before END: 2 units out of the holders' reserve (3 of it left).
      plainHold(sku, 2, {
        ...at(END.getTime() - 1_000),
        access: { dropId: sku.dropId, tier: 'holders', accountHash: 'a' },
      }),
      // After END: nothing is reserved any more, so the public may take all 8 left. With the
      // reserves as read for the first hold, 3 units would still be kept from it.
      plainHold(sku, 8, { ...at(END.getTime() + 1_000), access: { dropId: sku.dropId, tier: null, accountHash: 'b' } }),
    ]);
    expect(answers).toEqual([held(sku.hubIds[0]!, 8), held(sku.hubIds[0]!, 0)]);
    await expectLedgerTrue(sku, [10]);
  });
});
