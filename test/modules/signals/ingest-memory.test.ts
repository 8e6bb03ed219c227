import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ingestEncoded, type EncodedChunk } from '../../../src/modules/signals/core/batch-ingest';
import type { ParsedRecord } from '../../../src/shared/record-stream';

/**
 * What a large import holds while the database works. The rows of a chunk used to be kept as
 * objects until the chunk was written: they outlived the collector's minor cycles, were promoted
 * into the old generation, and a million-row import grew the process by 150 MB of such garbage.
 * The engine now keeps bytes only, pulls the source no faster than the writer takes chunks, and
 * lets every row object go as soon as it is encoded.
 */

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Row {
  id: string;
  note: string;
}

/** Batches of `perBatch` records, as a parser yields them, counting the rows pulled. */
function source(batches: number, perBatch: number, pulled: { rows: number }) {
  return (async function* (): AsyncGenerator<ParsedRecord[]> {
    for (let b = 0; b < batches; b++) {
      const batch: ParsedRecord[] = [];
      for (let i = 0; i < perBatch; i++) {
        const index = b * perBatch + i;
        batch.push({ index, value: { id: `row-${index}`, note: 'x'.repeat(40) } });
      }
      pulled.rows += perBatch;
      yield batch;
    }
  })();
}

/** A writer that holds every chunk until told to go on (a slow database). */
function slowWriter() {
  const waiting: (() => void)[] = [];
  const chunks: { rows: number; bytes: number; text: string }[] = [];
  return {
    chunks,
    waiting,
    write: (chunk: EncodedChunk) =>
      new Promise<{ created: number; updated: number }>((resolve) => {
        chunks.push({ rows: chunk.rows, bytes: chunk.bytes.length, text: chunk.bytes.toString('utf8') });
        waiting.push(() => resolve({ created: chunk.rows, updated: 0 }));
      }),
    releaseOne: () => waiting.shift()?.(),
  };
}

describe('the streamed import engine in bounded memory', () => {
  it('keeps no checked row object alive while its chunk is written, only bytes', async () => {
    const alive = new Set<WeakRef<Row>>();
    const writer = slowWriter();
    const pulled = { rows: 0 };
    const done = ingestEncoded<Row>({
      records: source(40, 250, pulled),
      chunkSize: 1_000,
      check: (value) => {
        const row = { id: String(value.id), note: String(value.note) };
        alive.add(new WeakRef(row));
        return { row };
      },
      encode: (row) => `${row.id}\t${row.note}\n`,
      write: writer.write,
    });
    // The engine fills a chunk, hands it to the (stalled) writer, fills the next one and waits.
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect(writer.chunks).toHaveLength(1);
    expect(pulled.rows).toBeLessThanOrEqual(2_250);
    gc();
    await nextTurn();
    const stillAlive = [...alive].filter((ref) => ref.deref() !== undefined).length;
    // Two chunks (2,000 rows) have been checked; of their row objects, at most the last one (the
    // engine waits right after encoding it) is still referenced.
    expect(alive.size).toBeGreaterThanOrEqual(2_000);
    expect(stillAlive).toBeLessThanOrEqual(1);
    const release = setInterval(() => writer.releaseOne(), 1);
    const outcome = await done;
    clearInterval(release);
    expect(outcome).toEqual({ ok: true, counts: { rows: 10_000, created: 10_000, updated: 0, unchanged: 0 } });
    // Every row reached the writer once, in order.
    const written = writer.chunks.flatMap((c) => c.text.split('\n').filter(Boolean));
    expect(written).toHaveLength(10_000);
    expect(written[0]).toBe(`row-0\t${'x'.repeat(40)}`);
    expect(written[9_999]).toBe(`row-9999\t${'x'.repeat(40)}`);
  });

  it('pulls the source no faster than the writer takes chunks, and bounds a chunk by bytes as well as rows', async () => {
    const writer = slowWriter();
    const pulled = { rows: 0 };
    const done = ingestEncoded<Row>({
      records: source(400, 250, pulled),
      chunkSize: 10_000,
      chunkBytes: 16 * 1024,
      check: (value) => ({ row: { id: String(value.id), note: String(value.note) } }),
      encode: (row) => `${row.id}\t${row.note}\n`,
      write: writer.write,
    });
    for (let round = 0; round < 5; round++) {
      for (let turn = 0; turn < 20; turn++) await nextTurn();
      // Stalled: one chunk being written, one filled and waiting; then a batch at most.
      const taken = writer.chunks.reduce((sum, c) => sum + c.rows, 0);
      expect(pulled.rows - taken).toBeLessThanOrEqual(2 * 350 + 250);
      writer.releaseOne();
    }
    const release = setInterval(() => writer.releaseOne(), 1);
    const outcome = await done;
    clearInterval(release);
    expect(outcome.ok).toBe(true);
    // A row is ~50 bytes: 16 KiB is reached long before 10,000 rows, and never passed by more than a row.
    for (const chunk of writer.chunks) expect(chunk.bytes).toBeLessThan(16 * 1024 + 64);
    expect(writer.chunks.reduce((sum, c) => sum + c.rows, 0)).toBe(100_000);
  });
});
