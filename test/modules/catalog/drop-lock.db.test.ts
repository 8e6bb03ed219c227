import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogReaders } from '../../../src/modules/catalog';
import { insertCreatorWithDrops } from '../../factories/catalog-factory';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

/**
 * The drop lock that serialises plan and forecast versions: it must hold off another locker, and
 * must not hold off an insert that merely references the drop (a pre-order, a queue entry, a
 * proposal), or a plan's write (paced, so it lasts) would stall the drop's traffic. Needs two
 * connections at once: PostgreSQL only (PGlite runs one statement at a time).
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await insertCreatorWithDrops(t.db, 'c1', [{ id: 'd1' }]);
});
afterAll(() => t.drop());

const settledWithin = <T>(work: Promise<T>, ms: number) =>
  Promise.race([work.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe.runIf(process.env.TEST_DATABASE_URL)('the drop lock', () => {
  it('lets inserts referencing the drop through, and holds another locker until it commits', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.db.transaction(async (tx) => {
      await catalogReaders.lockDrop(tx, 'd1');
      locked();
      await released;
    });
    await lockTaken;

    const referencing = t.db.query(
      `insert into replan_proposals (id, drop_id, proposal, created_at) values ('rp1', 'd1', '{}', now())`,
    );
    expect(await settledWithin(referencing, 3_000)).toBe(true);

    const second = t.db.transaction((tx) => catalogReaders.lockDrop(tx, 'd1'));
    expect(await settledWithin(second, 300)).toBe(false);
    release();
    await holder;
    expect(await settledWithin(second, 3_000)).toBe(true);
  });
});
