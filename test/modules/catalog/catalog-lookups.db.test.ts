import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogReaders } from '../../../src/modules/catalog';
import { insertCreatorWithDrops } from '../../factories/catalog-factory';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // Closes with microseconds (the API accepts them), three at the same instant: the keyset must
  // neither repeat nor skip a drop across pages.
  await insertCreatorWithDrops(t.db, 'c1', [
    { id: 'd-a', closesAt: '2026-05-01T10:00:00.123456Z', status: 'scheduled' },
    { id: 'd-c', closesAt: '2026-05-01T10:00:00.123456Z', status: 'closed' },
    { id: 'd-b', closesAt: '2026-05-01T10:00:00.123456Z', status: 'live' },
    { id: 'd-draft', closesAt: '2026-05-01T09:00:00Z', status: 'draft' },
    { id: 'd-early', closesAt: '2026-04-01T00:00:00.000001Z', status: 'scheduled' },
    { id: 'd-late', closesAt: '2026-05-01T10:00:00.123457Z', status: 'scheduled' },
    { id: 'd-open', closesAt: '2026-07-01T00:00:00Z', status: 'live' },
  ]);
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
