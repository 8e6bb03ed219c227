import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestBatch } from '../../../src/modules/signals/core/batch-ingest';
import type { ParsedRecord } from '../../../src/shared/record-stream';
import { copyText } from '../../../src/db/copy-text';
import { preorderRowFastPath, preorderRowSchema } from '../../../src/modules/signals/signals.schemas';

/** Zod's output without the keys it leaves undefined, to compare with the fast path's. */
const defined = (row: object) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));

/** Mostly a good value, sometimes absent, sometimes of another type. */
const almost = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 20, arbitrary: good },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  );
const id = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '-po', 'p'.repeat(65), 'po 1', 'é') },
);
const instant = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2028-02-29T10:00:00Z',
      '2026-01-01T10:00:00+05:30',
      '2026-01-01T10:00:00.123456789-03:00',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-02-29T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-01-01T10:00:00',
      '2026-01-01 10:00:00Z',
    ),
  },
);
const postalCode = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9 -]{1,16}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', 'SW1A 1AA SW1A 1AA', 'é1', 'SW1_A') },
);
/** region_id, postal_code, both or neither. */
const place = fc.oneof(
  { weight: 4, arbitrary: fc.record({ region_id: almost(id) }) },
  { weight: 4, arbitrary: fc.record({ postal_code: almost(postalCode) }) },
  { weight: 1, arbitrary: fc.record({ region_id: id, postal_code: postalCode }) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const row = fc
  .tuple(
    fc.record(
      {
        id: almost(id),
        drop_id: almost(id),
        sku_id: almost(id),
        quantity: almost(fc.oneof(fc.integer({ min: -2, max: 1_000_002 }), fc.constantFrom(1.5, Number.NaN, 1e6))),
        placed_at: almost(instant),
        status: almost(fc.constantFrom('placed', 'cancelled', 'PLACED')),
        extra: fc.constant('x'),
      },
      { requiredKeys: ['id', 'sku_id', 'quantity', 'placed_at'] },
    ),
    place,
    fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  )
  .map(([fields, where, extra]) => {
    const value: Record<string, unknown> = { ...fields, ...where };
    if (!extra) delete value.extra;
    return value;
  });

describe('the pre-order fast path', () => {
  it('accepts only what the schema accepts, with the same output', () => {
    let taken = 0;
    fc.assert(
      fc.property(row, (value) => {
        const fast = preorderRowFastPath(value);
        if (fast === undefined) return;
        taken += 1;
        const parsed = preorderRowSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(defined(parsed.data!));
      }),
      { numRuns: 5_000 },
    );
    // Enough generated rows pass for the comparison to mean something.
    expect(taken).toBeGreaterThan(50);
  });

  it('takes the plain rows a large import is made of', () => {
    const plain = { id: 'po-1', sku_id: 'sku-1', quantity: 2, region_id: 'GB-LND', placed_at: '2026-01-01T10:00:00Z' };
    expect(preorderRowFastPath(plain)).toEqual({ ...plain, status: 'placed' });
    const byPostalCode = {
      id: 'po-2',
      sku_id: 'sku-1',
      quantity: 1,
      postal_code: 'SW1A 1AA',
      placed_at: '2026-01-01T10:00:00.5+01:00',
      status: 'cancelled',
    };
    expect(preorderRowFastPath(byPostalCode)).toEqual(byPostalCode);
    expect(preorderRowFastPath({ ...plain, postal_code: 'SW1' })).toBeUndefined();
    expect(preorderRowFastPath({ ...plain, note: 'x' })).toBeUndefined();
  });
});

describe('COPY text values', () => {
  it('escapes backslash, tab, newline and carriage return, and leaves the rest alone', () => {
    expect(copyText('po-1')).toBe('po-1');
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });
});

describe('ingest pace', () => {
  it("reads a chunk's write reply between batches, not only when the next chunk is full", async () => {
    const events: string[] = [];
    const batches: ParsedRecord[][] = Array.from({ length: 6 }, (_, i) => [{ index: i, value: { n: i } }]);
    const outcome = await ingestBatch<{ n: number }>({
      records: batches,
      chunkSize: 2,
      keyOf: (r) => String(r.n),
      check: (value) => {
        events.push(`check ${String(value.n)}`);
        return { row: value as { n: number } };
      },
      // The reply comes back as I/O does: on a later turn of the event loop.
      write: (rows) =>
        new Promise((resolve) =>
          setImmediate(() => {
            events.push(`written ${rows.map((r) => r.n).join(',')}`);
            resolve({ created: rows.length, updated: 0 });
          }),
        ),
    });
    expect(outcome.ok).toBe(true);
    // The first chunk's reply is read before row 2 is checked, not held until rows 2 and 3 are.
    expect(events.indexOf('written 0,1')).toBeLessThan(events.indexOf('check 2'));
    expect(events.indexOf('written 2,3')).toBeLessThan(events.indexOf('check 4'));
  });
});
