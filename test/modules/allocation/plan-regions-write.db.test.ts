import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocationRepository, type RegionRow } from '../../../src/modules/allocation/allocation.repository';
import { insertCreatorWithDrops } from '../../factories/catalog-factory';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

/**
 * A plan's region rows as the planner writes them: COPY in text format on PostgreSQL, one
 * statement over JSON on PGlite. Both must store the same values, including the ones each format
 * escapes (tabs, backslashes, quotes in ids), nulls, non-finite numbers and long pieces.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await insertCreatorWithDrops(t.db, 'c1', [{ id: 'd1' }]);
});
afterAll(() => t.drop());

async function newPlan(id: string) {
  await t.db.query(
    `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals)
     values ($1, 'd1', (select coalesce(max(version), 0) + 1 from plans), 'draft', '{}', '{}', '{}')`,
    [id],
  );
}

const row = (over: Partial<RegionRow>): RegionRow => ({
  region_id: 'r1',
  sku_id: 's1',
  serving_hub_id: 'h1',
  candidate_hub_ids: ['h1', 'h2'],
  in_stock_probability: 0.95,
  delivery_days_p50: 2,
  delivery_days_p90: 3.5,
  baseline_days: 6,
  lead_time_delta_days: -4,
  lead_time_delta_days_p90: -2.5,
  ...over,
});

describe(`plan region rows written (${process.env.TEST_DATABASE_URL ? 'PostgreSQL, COPY' : 'PGlite, JSON'})`, () => {
  it('stores awkward values exactly as given, nulls and non-finite numbers as null', async () => {
    await newPlan('p-awkward');
    const rows = [
      row({ region_id: 'r\tab', sku_id: 's\\back', candidate_hub_ids: ['h"quote', 'h\\slash', 'NULL', 'h,comma'] }),
      row({ region_id: 'r-null', serving_hub_id: null, candidate_hub_ids: [], delivery_days_p50: null }),
      row({ region_id: 'r-tiny', in_stock_probability: 1e-7, baseline_days: 0.1 + 0.2 }),
      row({ region_id: 'r-inf', delivery_days_p90: Number.POSITIVE_INFINITY, lead_time_delta_days: Number.NaN }),
      row({ region_id: 'r\nline', sku_id: 's\rcr', serving_hub_id: 'h{brace}' }),
    ];
    await t.db.transaction((tx) => allocationRepository.insertRegions(tx, 'p-awkward', rows));
    const stored = await allocationRepository.listRegions(t.db, 'p-awkward');
    const expected = rows
      .map((r) => ({
        ...r,
        delivery_days_p90: Number.isFinite(r.delivery_days_p90) ? r.delivery_days_p90 : null,
        lead_time_delta_days: Number.isFinite(r.lead_time_delta_days) ? r.lead_time_delta_days : null,
      }))
      .sort((a, b) => (a.region_id < b.region_id ? -1 : a.region_id > b.region_id ? 1 : 0));
    expect(stored).toEqual(expected);
  });

  it('writes a large plan in pieces, reporting each piece to the pacer, all or nothing', async () => {
    await newPlan('p-large');
    const rows = Array.from({ length: 9_001 }, (_, i) => row({ region_id: `r${String(i).padStart(5, '0')}` }));
    const pieces: number[] = [];
    await t.db.transaction((tx) => {
      // The path under test: COPY where the transaction offers it (PostgreSQL).
      expect(tx.copyFrom !== undefined).toBe(t.db.engine === 'postgres');
      return allocationRepository.insertRegions(tx, 'p-large', rows, async (ms) => {
        pieces.push(ms);
      });
    });
    expect(pieces).toHaveLength(3);
    expect(pieces.every((ms) => ms >= 0)).toBe(true);
    expect(await allocationRepository.listRegions(t.db, 'p-large')).toHaveLength(9_001);

    // A duplicate row in the last piece: the earlier pieces go too.
    await newPlan('p-failed');
    const duplicate = [...rows.slice(0, 8_999), rows[0]!];
    await expect(
      t.db.transaction((tx) => allocationRepository.insertRegions(tx, 'p-failed', duplicate)),
    ).rejects.toThrow();
    expect(await allocationRepository.listRegions(t.db, 'p-failed')).toHaveLength(0);
  });
});
