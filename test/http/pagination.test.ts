import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/http/app-error';
import { afterKey, encodeCursor, pageOfSorted, pageRequest } from '../../src/http/pagination';

describe('keyset pages', () => {
  it('walking next_cursor visits every item exactly once, in order, whatever the page size', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        (ids, limit) => {
          const sorted = [...ids].sort();
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = pageOfSorted(sorted, pageRequest({ limit, cursor }), (id) => [id]);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items);
            cursor = page.next_cursor ?? undefined;
            pages += 1;
          } while (cursor !== undefined);
          expect(seen).toEqual(sorted);
          expect(pages).toBe(Math.max(1, Math.ceil(sorted.length / limit)));
        },
      ),
    );
  });

  it('round-trips a key through the opaque cursor, and checks its shape', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 3 }), (key) => {
        const page = pageRequest({ limit: 10, cursor: encodeCursor(key) });
        expect(afterKey(page, key.length)).toEqual(key);
        expect(() => afterKey(page, key.length + 1)).toThrow(AppError);
      }),
    );
    expect(afterKey(pageRequest({ limit: 5 }), 2)).toEqual([null, null]);
    expect(() => pageRequest({ limit: 5, cursor: 'not-a-cursor' })).toThrow(AppError);
  });
});
