import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlannerClient, Schemas } from '../../../src/client';
import { queueRepository, type PromiseInputs } from '../../../src/modules/queue/queue.repository';
import { outcomeFromInputs } from '../../../src/modules/queue/queue.service';
import { queueViewsRepository } from '../../../src/modules/queue/queue-views.repository';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { answer, expectData } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { lockStockRow } from '../../harness/stock-row-lock';

/**
 * Parallel joins of one sold-out line (SKU and region), as at a drop's opening: joins that arrive
 * while the line's statements run go to the database together (join_queue_batch, migrations 0027
 * and 0028). Whatever the batches, every buyer is told a place of their own, the place the line
 * keeps them in (by arrival), and what they were promised is stored with the entry, as the inputs it
 * was computed from.
 * The test drop opens 2026-12-03T17:00Z; the clock stands after the opening.
 */
const AFTER_OPENING = '2026-12-03T18:00:00.000Z';
const PARALLEL = 30;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: AFTER_OPENING });
});
afterAll(() => app.close());

interface SoldOut {
  tenant: Tenant;
  shop: PlannerClient;
  /** the line the test fills */
  regionId: string;
}

/**
 * A tenant whose one unit is held (its hub serves both regions: both lines sold out), and a
 * storefront key that has joined the other region's line once: the key, the drop's access rules
 * and the snapshot are then cached, so a join reaches its line's batches without asking the
 * database anything.
 */
async function soldOutLine(): Promise<SoldOut> {
  const tenant = await createTenant(app);
  await publishPlanWithAllocations(app.database.db, tenant.dropId, [
    { skuId: tenant.skuId, hubId: tenant.hubId, units: 1 },
  ]);
  await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null, 10_000);
  const shop = app.client(await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }));
  await expectData(
    201,
    shop.POST('/v1/holds', {
      body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 1, hold_seconds: 600 },
    }),
  );
  const warmUp = await expectData(201, join({ tenant, shop, regionId: tenant.regionIds[1]! }));
  expect(warmUp).toMatchObject({ status: 'waiting', position: 1 });
  return { tenant, shop, regionId: tenant.regionIds[0]! };
}

const join = (s: SoldOut) =>
  s.shop.POST('/v1/drops/{dropId}/queue', {
    params: { path: { dropId: s.tenant.dropId } },
    body: { sku_id: s.tenant.skuId, region_id: s.regionId, quantity: 1 },
  });

/** The line's entries as stored, in arrival order (seq), with the promise stored for each. */
async function storedLine(s: SoldOut) {
  const { rows } = await app.database.db.query<{
    id: string;
    status: string;
    promised_probability: number | null;
    promise_inputs: PromiseInputs | null;
  }>(
    `select id, status, promised_probability, promise_inputs from queue_entries
     where sku_id = $1 and region_id = $2 order by tier_rank, seq`,
    [s.tenant.skuId, s.regionId],
  );
  return rows;
}

/**
 * Every join answered 201 with a place of its own (1..n), and that place is the entry's place by
 * arrival in the stored line; every entry's stored inputs make exactly the outcome its answer
 * stated, and the post-drop report's promise for it is the probability stated.
 */
async function expectExactPlaces(s: SoldOut, answers: Schemas['QueueEntry'][]) {
  const line = await storedLine(s);
  expect(line).toHaveLength(answers.length);
  expect(line.every((e) => e.status === 'waiting')).toBe(true);
  const placeByArrival = new Map(line.map((e, i) => [e.id, i + 1]));
  expect(answers.map((a) => [a.id, a.position])).toEqual(answers.map((a) => [a.id, placeByArrival.get(a.id)]));
  expect(answers.map((a) => a.position).sort((x, y) => x! - y!)).toEqual(
    Array.from({ length: answers.length }, (_, i) => i + 1),
  );
  // One unit each: the units ahead are the entries ahead.
  expect(answers.every((a) => a.units_ahead === a.position! - 1)).toBe(true);
  const inputs = new Map(line.map((e) => [e.id, e.promise_inputs]));
  for (const a of answers) {
    expect(a.expected_outcome).not.toBeNull();
    const stored = inputs.get(a.id);
    expect({ id: a.id, outcome: stored ? outcomeFromInputs(stored) : null }).toEqual({
      id: a.id,
      outcome: a.expected_outcome,
    });
  }
  const reported = new Map(
    (await app.services.queue.outcomes(s.tenant.dropId)).map((o) => [o.entry_id, o.promised_probability]),
  );
  expect(answers.map((a) => [a.id, reported.get(a.id)])).toEqual(
    answers.map((a) => [a.id, a.expected_outcome!.probability]),
  );
}

describe(`parallel joins of one line (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it(`answers ${PARALLEL} parallel joins with distinct places, each its place by arrival, each promise stored`, async () => {
    const s = await soldOutLine();
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => answer(join(s))));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    await expectExactPlaces(
      s,
      answers.map((a) => a.data!),
    );
  });

  it('stores an entry and its promise in one statement: a failing promise write cannot leave an entry behind an error', async () => {
    // Defect: the promise was a second statement after the entry's, and when it failed the buyer got
    // an error while the entry stayed in line (this test answered 500 then). Now the entry is stored
    // with what its promise is computed from, in its own statement, and no promise write follows.
    const s = await soldOutLine();
    const failing = vi.spyOn(queueViewsRepository, 'storePromises').mockRejectedValue(new Error('promise not stored'));
    let joined: Schemas['QueueEntry'];
    try {
      joined = await expectData(201, join(s));
      expect(failing).not.toHaveBeenCalled();
    } finally {
      failing.mockRestore();
    }
    const [entry, ...others] = await storedLine(s);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ id: joined.id, status: 'waiting' });
    expect(outcomeFromInputs(entry!.promise_inputs!)).toEqual(joined.expected_outcome);
    await expectExactPlaces(s, [joined]);
  });

  it(`keeps places exact when the ${PARALLEL} joins wait at the database and go in batches`, async () => {
    const s = await soldOutLine();
    // The database is kept busy (a transaction holding the line's hub stock row for update, which
    // each join's stock check locks for share; on PGlite also the one connection) until every
    // request has reached the line's batches: the first ones go alone (two statements of a line
    // may be in flight), the rest wait together for the next statement.
    const entered = vi.spyOn(app.services.queue, 'join');
    const statements = vi.spyOn(queueRepository, 'joinQueues');
    const row = await lockStockRow(app.database.db, s.tenant.hubId, s.tenant.skuId);
    try {
      const requests = Array.from({ length: PARALLEL }, () => answer(join(s)));
      // A join's way from the service to its line's batches reads memory only (caches, the
      // snapshot): once the last call has begun, one turn of the event loop puts every join there.
      await eventually(() => entered.mock.calls.length === PARALLEL, 10_000);
      await new Promise((resolve) => setImmediate(resolve));
      await row.release();
      const answers = await Promise.all(requests);

      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
      // Every join went through exactly one statement, and the ones that waited went together.
      const sizes = statements.mock.calls.map(([, entries]) => entries.length);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(PARALLEL);
      expect(Math.max(...sizes)).toBeGreaterThanOrEqual(PARALLEL - 2);
      await expectExactPlaces(
        s,
        answers.map((a) => a.data!),
      );
    } finally {
      await row.release().catch(() => undefined);
      entered.mockRestore();
      statements.mockRestore();
    }
  });
});
