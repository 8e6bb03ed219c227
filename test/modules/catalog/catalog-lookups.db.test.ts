import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogReaders } from '../../../src/modules/catalog';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query(`insert into creators (id, name) values ('c1', 'Creator')`);
  // Closes with microseconds (the API accepts them), three at the same instant: the keyset must
  // neither repeat nor skip a drop across pages.
  for (const [id, closesAt, status] of [
    ['d-a', '2026-05-01T10:00:00.123456Z', 'scheduled'],
    ['d-c', '2026-05-01T10:00:00.123456Z', 'closed'],
    ['d-b', '2026-05-01T10:00:00.123456Z', 'live'],
    ['d-draft', '2026-05-01T09:00:00Z', 'draft'],
    ['d-early', '2026-04-01T00:00:00.000001Z', 'scheduled'],
    ['d-late', '2026-05-01T10:00:00.123457Z', 'scheduled'],
    ['d-open', '2026-07-01T00:00:00Z', 'live'],
  ] as const)
    await t.db.query(
      `insert into drops (id, creator_id, name, opens_at, closes_at, promise_business_days, status, baseline_source)
       values ($1, 'c1', $1, '2026-01-01T00:00:00Z', $2, 3, $3, 'warehouse')`,
      [id, closesAt, status],
    );
});
afterAll(() => t.drop());

describe('catalog lookups for other modules', () => {
  it('pages the drops past close (not drafts) by close then id, each once', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const seen: string[] = [];
    let afterId: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: string[] = await catalogReaders.dropsPastClose(t.db, now, afterId, 2);
      seen.push(...page);
      if (page.length < 2) break;
      afterId = page[page.length - 1]!;
    }
    expect(seen).toEqual(['d-early', 'd-a', 'd-b', 'd-c', 'd-late']);
    expect(await catalogReaders.dropsPastClose(t.db, now, null, 50)).toEqual(seen);
  });

  it('answers which of the given drops closed before a cutoff, in id order', async () => {
    expect(
      await catalogReaders.dropsClosedBefore(
        t.db,
        ['d-open', 'd-late', 'd-early', 'd-a', 'unknown'],
        new Date('2026-05-01T10:00:00.124Z'),
      ),
    ).toEqual(['d-a', 'd-early', 'd-late']);
    expect(await catalogReaders.dropsClosedBefore(t.db, [], new Date())).toEqual([]);
  });
});
