import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/db/database';
import { signalsRepository } from '../../../src/modules/signals/signals.repository';
import { createTestDatabase, serverUrl, type TestDatabase } from '../../harness/test-database';

/**
 * The pre-orders list (oldest placed first, paged by (placed_at, id)) is a range scan of the index
 * (drop_id, placed_at, id) on PostgreSQL: without it each page sorted every pre-order of the drop.
 * The plan is the one PostgreSQL chooses for the repository's own query, on enough rows that a
 * sequential scan and a sort would be cheaper if the index did not fit.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  if (!serverUrl) return;
  // 200k pre-orders over 20 drops, placed in an order unrelated to their ids.
  await database.db.query(
    `insert into preorders (drop_id, id, sku_id, region_id, quantity, placed_at, status)
     select 'drop-' || (n % 20), 'po-' || n, 'sku-' || (n % 7), 'US-CA', 1,
            timestamptz '2026-11-01' + ((n * 7919) % 200000) * interval '1 second', 'placed'
     from generate_series(1, 200000) as n`,
  );
  await database.db.query('analyze preorders');
});
afterAll(() => database.drop());

/** The plan of the repository's list query, by running it through EXPLAIN. */
async function planOf(run: (db: Queryable) => Promise<unknown>): Promise<string> {
  let plan = '';
  const explaining: Queryable = {
    async query<Row>(text: string, params?: readonly unknown[]) {
      const result = await database.db.query<{ 'QUERY PLAN': string }>(`explain ${text}`, params);
      plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
      return { rowCount: 0, rows: [] as Row[] };
    },
  };
  await run(explaining);
  return plan;
}

const noFilter = {
  skuId: undefined,
  regionId: undefined,
  status: undefined,
  placedFrom: undefined,
  placedTo: undefined,
};

describe.skipIf(!serverUrl)('the pre-orders list on PostgreSQL', () => {
  it('reads the first page from the (drop_id, placed_at, id) index, without sorting the drop', async () => {
    const plan = await planOf((db) =>
      signalsRepository.listPreorders(db, 'drop-3', noFilter, { limit: 50, after: null }),
    );
    expect(plan).toMatch(/Index Scan using preorders_drop_placed/);
    expect(plan).not.toMatch(/Sort/);
  });

  it('starts a later page inside the index at its cursor, with a placed_at window and a SKU filter', async () => {
    const plan = await planOf((db) =>
      signalsRepository.listPreorders(
        db,
        'drop-3',
        { ...noFilter, skuId: 'sku-2', placedFrom: '2026-11-01T10:00:00Z', placedTo: '2026-11-02T00:00:00Z' },
        { limit: 50, after: ['2026-11-01 12:00:00+00', 'po-12345'] },
      ),
    );
    expect(plan).toMatch(/Index Scan using preorders_drop_placed/);
    expect(plan).toMatch(/Index Cond: .*ROW\(placed_at, id\) > ROW/);
    expect(plan).not.toMatch(/Sort/);
  });
});
