import { describe, expect, it } from 'vitest';
import { ingestBatch, type RowCheck, type WriteCounts } from '../../../src/modules/signals/core/batch-ingest';
import { createPostalMapper } from '../../../src/modules/signals/core/postal-mapper';
import { parseCsv, parseNdjson, recordsOfArray, type ParsedRecord } from '../../../src/shared/record-stream';
import {
  mergePreorders,
  preorderRule,
  rowCheck,
  type DropCatalog,
  type PreorderRecord,
} from '../../../src/modules/signals/core/row-rules';
import { signBody, verifySignature } from '../../../src/modules/signals/core/signing';
import { findWalletData } from '../../../src/modules/signals/core/wallet-guard';
import { preorderRowSchema } from '../../../src/modules/signals/signals.schemas';

async function collect(stream: AsyncIterable<ParsedRecord[]>): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  for await (const batch of stream) out.push(...batch);
  return out;
}

/** Splits text into byte chunks of `size`, to cut lines, quotes and UTF-8 characters mid-way. */
function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('postal mapping', () => {
  const mapper = createPostalMapper([
    { prefix: 'SW1', region_id: 'GB-LND-W' },
    { prefix: 'SW1A', region_id: 'GB-WESTMINSTER' },
    { prefix: '9', region_id: 'US-WEST' },
    { prefix: '94', region_id: 'US-CA' },
  ]);

  it('picks the longest matching prefix', () => {
    expect(mapper('SW1A 1AA')).toBe('GB-WESTMINSTER');
    expect(mapper('SW1P 3BT')).toBe('GB-LND-W');
    expect(mapper('94105')).toBe('US-CA');
    expect(mapper('98101')).toBe('US-WEST');
  });

  it('ignores case, spaces and dashes the way region prefixes are stored', () => {
    expect(mapper('sw1a-1aa')).toBe('GB-WESTMINSTER');
  });

  it('answers undefined when no prefix matches', () => {
    expect(mapper('10001')).toBeUndefined();
    expect(createPostalMapper([])('SW1A')).toBeUndefined();
  });
});

describe('NDJSON and CSV parsing', () => {
  it('parses NDJSON across arbitrary chunk boundaries, CRLF and multi-byte characters included', async () => {
    const text = '{"id":"a","name":"Zoë 🎉"}\r\n\n{"id":"b"}\n{"id":"c"}';
    for (const size of [1, 2, 3, 7, 1000]) {
      const records = await collect(parseNdjson(chunks(text, size)));
      expect(records).toEqual([
        { index: 0, value: { id: 'a', name: 'Zoë 🎉' } },
        { index: 1, value: { id: 'b' } },
        { index: 2, value: { id: 'c' } },
      ]);
    }
  });

  it('reports a bad NDJSON line by its row index and goes on', async () => {
    const records = await collect(parseNdjson(['{"id":"a"}\n{oops\n[1]\n{"id":"d"}\n']));
    expect(records.map((r) => r.error ?? r.value)).toEqual([
      { id: 'a' },
      'is not valid JSON',
      'must be a JSON object',
      { id: 'd' },
    ]);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3]);
  });

  it('parses CSV with a header, quoted commas, doubled quotes, quoted newlines and empty cells', async () => {
    const text = 'id,quantity,note,region_id\r\n007,2,"a, ""b""\nc",\r\nx,1.5,plain,US-CA\r\n';
    for (const size of [1, 5, 1000]) {
      const records = await collect(parseCsv(chunks(text, size), new Set(['quantity'])));
      expect(records).toEqual([
        { index: 0, value: { id: '007', quantity: 2, note: 'a, "b"\nc' } },
        { index: 1, value: { id: 'x', quantity: 1.5, note: 'plain', region_id: 'US-CA' } },
      ]);
    }
  });

  it('keeps digit-only ids as text and flags a row with the wrong number of cells', async () => {
    const records = await collect(parseCsv(['id,quantity\n12345,3\n1,2,3\n'], new Set(['quantity'])));
    expect(records[0]).toEqual({ index: 0, value: { id: '12345', quantity: 3 } });
    expect(records[1]).toEqual({ index: 1, error: 'has 3 cells; the header has 2' });
  });

  it('wraps a JSON array in the same record shape', () => {
    expect(recordsOfArray([{ a: 1 }, 'x'])).toEqual([
      { index: 0, value: { a: 1 } },
      { index: 1, error: 'must be a JSON object' },
    ]);
  });
});

describe('HMAC signatures with an injected clock', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1"}\n';
  const now = new Date('2026-11-23T12:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);

  it('accepts a good signature within the tolerance', () => {
    expect(
      verifySignature({
        secret,
        timestampHeader: String(ts - 299),
        signatureHeader: signBody(secret, ts - 299, body),
        body,
        now,
      }),
    ).toEqual({ ok: true });
  });

  it('refuses a signature over another body or with another secret', () => {
    const check = verifySignature({
      secret,
      timestampHeader: String(ts),
      signatureHeader: signBody(secret, ts, body + ' '),
      body,
      now,
    });
    expect(check).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      verifySignature({ secret, timestampHeader: String(ts), signatureHeader: signBody('other', ts, body), body, now }),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a timestamp older than five minutes even when the signature matches', () => {
    const check = verifySignature({
      secret,
      timestampHeader: String(ts - 301),
      signatureHeader: signBody(secret, ts - 301, body),
      body,
      now,
    });
    expect(check).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses missing headers and malformed timestamps', () => {
    expect(verifySignature({ secret, timestampHeader: undefined, signatureHeader: 'x', body, now })).toMatchObject({
      reason: 'missing_headers',
    });
    expect(verifySignature({ secret, timestampHeader: '2026-11-23', signatureHeader: 'x', body, now })).toMatchObject({
      reason: 'malformed_timestamp',
    });
  });
});

describe('wallet guard', () => {
  it('finds wallet fields and address-shaped values anywhere in a payload', () => {
    const found = findWalletData({
      rows: [
        { region_id: 'US-CA', holders: 3 },
        { region_id: 'US-NY', wallets: ['0xabc'] },
        { note: '0x52908400098527886E0F7030069857D2E4169EE7' },
      ],
    });
    expect(found.map((f) => f.path)).toEqual(['rows[1].wallets', 'rows[2].note']);
  });

  it('passes aggregates through', () => {
    expect(
      findWalletData({ region_id: 'US-CA', holders: 120, tokens: 480.5, observed_at: '2026-11-20T10:00:00Z' }),
    ).toEqual([]);
  });
});

describe('pre-order row rules', () => {
  const catalog: DropCatalog = {
    dropId: 'drop-1',
    skuIds: new Set(['sku-1']),
    regionIds: new Set(['US-CA']),
    regionOfPostalCode: createPostalMapper([{ prefix: '94', region_id: 'US-CA' }]),
    latestAllowedMs: Date.parse('2026-11-23T12:05:00Z'),
  };
  const check = rowCheck(preorderRowSchema, preorderRule(catalog));
  const good = { id: 'p1', sku_id: 'sku-1', quantity: 2, postal_code: '94105', placed_at: '2026-11-20T10:00:00+01:00' };

  it('resolves the postal code and defaults the status', () => {
    expect(check(good)).toEqual({
      row: {
        id: 'p1',
        sku_id: 'sku-1',
        region_id: 'US-CA',
        quantity: 2,
        placed_at: '2026-11-20T10:00:00+01:00',
        status: 'placed',
      },
    });
  });

  it('names every bad field of a row', () => {
    const result = check({
      ...good,
      sku_id: 'sku-x',
      postal_code: '10001',
      placed_at: '2026-11-23T12:06:00Z',
      drop_id: 'drop-2',
    });
    expect(result.problems?.map((p) => p.field).sort()).toEqual(['drop_id', 'placed_at', 'postal_code', 'sku_id']);
    expect(check({ ...good, quantity: 0 }).problems).toEqual([
      { field: 'quantity', message: 'must be a positive integer' },
    ]);
    expect(check({ ...good, quantity: 1.5 }).problems?.[0]?.field).toBe('quantity');
    expect(check({ ...good, colour: 'red' }).problems).toEqual([{ field: 'colour', message: 'unknown field' }]);
  });

  it('keeps a cancellation over a later placed re-send in the same batch', () => {
    const placed: PreorderRecord = {
      id: 'p',
      sku_id: 's',
      region_id: 'r',
      quantity: 1,
      placed_at: 'x',
      status: 'placed',
    };
    const cancelled = { ...placed, status: 'cancelled' as const };
    expect(mergePreorders(cancelled, placed)).toBe(cancelled);
    expect(mergePreorders(placed, cancelled)).toBe(cancelled);
  });
});

describe('the batch engine', () => {
  const check: RowCheck<{ id: string; n: number }> = (value) =>
    typeof value.n === 'number' && value.n > 0
      ? { row: { id: String(value.id), n: value.n } }
      : { problems: [{ field: 'n', message: 'must be positive' }] };
  const recordsOf = (values: Record<string, unknown>[]): ParsedRecord[][] => [
    values.map((value, index) => ({ index, value })),
  ];

  it('writes in chunks, merges duplicate keys within a chunk and counts replays as unchanged', async () => {
    const written: { id: string; n: number }[][] = [];
    const outcome = await ingestBatch({
      records: recordsOf([
        { id: 'a', n: 1 },
        { id: 'b', n: 2 },
        { id: 'a', n: 3 },
        { id: 'c', n: 4 },
        { id: 'd', n: 5 },
      ]),
      check,
      keyOf: (row) => row.id,
      chunkSize: 3,
      write: async (rows): Promise<WriteCounts> => {
        written.push(rows);
        return { created: rows.length, updated: 0 };
      },
    });
    expect(written).toEqual([
      [
        { id: 'a', n: 3 },
        { id: 'b', n: 2 },
      ],
      [
        { id: 'c', n: 4 },
        { id: 'd', n: 5 },
      ],
    ]);
    expect(outcome).toEqual({ ok: true, counts: { rows: 5, created: 4, updated: 0, unchanged: 1 } });
  });

  it('stops writing at the first bad row and lists every bad row by index', async () => {
    let writes = 0;
    const outcome = await ingestBatch({
      records: recordsOf([
        { id: 'a', n: 1 },
        { id: 'b', n: 0 },
        { id: 'c', n: 1 },
        { id: 'd', n: -1 },
      ]),
      check,
      keyOf: (row) => row.id,
      chunkSize: 1,
      write: async () => {
        writes++;
        return { created: 1, updated: 0 };
      },
    });
    expect(outcome).toEqual({
      ok: false,
      rows: 4,
      rejectedRows: 2,
      errors: [
        { path: 'rows[1].n', message: 'must be positive' },
        { path: 'rows[3].n', message: 'must be positive' },
      ],
    });
    expect(writes).toBe(1);
  });

  it('surfaces a failed write', async () => {
    const failing = ingestBatch({
      records: recordsOf([{ id: 'a', n: 1 }]),
      check,
      keyOf: (row) => row.id,
      write: async () => Promise.reject(new Error('disk full')),
    });
    await expect(failing).rejects.toThrow('disk full');
  });

  it('lists at most errorLimit problems but counts every bad row', async () => {
    const outcome = await ingestBatch({
      records: recordsOf(Array.from({ length: 50 }, (_, i) => ({ id: String(i), n: 0 }))),
      check,
      keyOf: (row) => row.id,
      errorLimit: 5,
      write: async () => ({ created: 0, updated: 0 }),
    });
    expect(outcome).toMatchObject({ ok: false, rejectedRows: 50 });
    expect(!outcome.ok && outcome.errors).toHaveLength(5);
  });
});
