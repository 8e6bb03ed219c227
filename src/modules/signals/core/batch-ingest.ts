import type { FieldError } from '../../../http/app-error';
import type { ParsedRecord } from '../../../shared/record-stream';

/**
 * The all-or-nothing batch engine shared by every signal import. Records flow in (from a JSON
 * array or a stream), each is checked, valid rows are written in chunks while parsing goes on
 * (one chunk in flight, so parsing and the database overlap), and the first bad row stops the
 * writing: the rest is only checked, so the caller can list every bad row, and the caller's
 * transaction is rolled back. Pure orchestration: the writer is injected.
 */
export interface RowProblem {
  /** The field inside the row, or undefined for the row as a whole. */
  field?: string;
  message: string;
}

export type RowCheck<Row> = (
  value: Record<string, unknown>,
) => { row: Row; problems?: undefined } | { row?: undefined; problems: RowProblem[] };

export interface WriteCounts {
  created: number;
  updated: number;
}

export interface IngestCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

export type BatchOutcome =
  { ok: true; counts: IngestCounts } | { ok: false; errors: FieldError[]; rejectedRows: number; rows: number };

export interface BatchOptions<Row> {
  records: AsyncIterable<ParsedRecord[]> | Iterable<ParsedRecord[]>;
  check: RowCheck<Row>;
  write: (rows: Row[]) => Promise<WriteCounts>;
  /** Rows with the same key inside one chunk are merged before writing (one upsert per key). */
  keyOf: (row: Row) => string;
  /** How two rows with the same key combine; the later one wins by default. */
  merge?: (earlier: Row, later: Row) => Row;
  chunkSize?: number;
  /** At most this many errors are listed; every bad row is still counted. */
  errorLimit?: number;
  /** How a problem is named: `rows[17].quantity` by default. */
  pathOf?: (index: number, field: string | undefined) => string;
  /** Called after each chunk is handed to the writer, e.g. for a progress bar. */
  onProgress?: (rowsSeen: number) => void;
}

export const DEFAULT_CHUNK_SIZE = 10_000;
export const DEFAULT_ERROR_LIMIT = 1_000;

export const rowPath = (index: number, field: string | undefined) =>
  field ? `rows[${index}].${field}` : `rows[${index}]`;

export async function ingestBatch<Row>(options: BatchOptions<Row>): Promise<BatchOutcome> {
  const { check, write, keyOf } = options;
  const merge = options.merge ?? ((_earlier: Row, later: Row) => later);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const errorLimit = options.errorLimit ?? DEFAULT_ERROR_LIMIT;
  const pathOf = options.pathOf ?? rowPath;

  const errors: FieldError[] = [];
  let rejectedRows = 0;
  let rows = 0;
  let created = 0;
  let updated = 0;
  let pending = new Map<string, Row>();
  let pendingCount = 0;
  let inflight: Promise<void> = Promise.resolve();
  let writing = false;
  let writeFailure: { error: unknown } | undefined;

  const flush = async () => {
    if (pending.size === 0) return;
    const chunk = [...pending.values()];
    pending = new Map();
    pendingCount = 0;
    await inflight;
    if (writeFailure) throw writeFailure.error;
    writing = true;
    inflight = write(chunk).then(
      (counts) => {
        writing = false;
        created += counts.created;
        updated += counts.updated;
      },
      (error: unknown) => {
        writing = false;
        writeFailure = { error };
      },
    );
    options.onProgress?.(rows);
  };

  for await (const batch of options.records) {
    // While a chunk is being written, let I/O in between batches: a body already buffered would
    // otherwise be parsed to the next chunk's end (microtasks only) before the writer's replies
    // are even read, and the database would wait on the parser instead of working beside it.
    if (writing) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const record of batch) {
      rows++;
      const result = record.error === undefined ? check(record.value) : { problems: [{ message: record.error }] };
      if (result.problems) {
        rejectedRows++;
        for (const problem of result.problems)
          if (errors.length < errorLimit)
            errors.push({ path: pathOf(record.index, problem.field), message: problem.message });
        pending = new Map();
        continue;
      }
      if (rejectedRows > 0) continue;
      const key = keyOf(result.row);
      const earlier = pending.get(key);
      pending.set(key, earlier === undefined ? result.row : merge(earlier, result.row));
      if (++pendingCount >= chunkSize) await flush();
    }
  }
  if (rejectedRows > 0) {
    await inflight;
    return { ok: false, errors, rejectedRows, rows };
  }
  await flush();
  await inflight;
  if (writeFailure) throw writeFailure.error;
  options.onProgress?.(rows);
  return { ok: true, counts: { rows, created, updated, unchanged: rows - created - updated } };
}

/**
 * A chunk of encoded rows, as the writer of `ingestEncoded` receives it: a view into one of two
 * reused buffers, valid until the write resolves (the buffer is then filled with a later chunk).
 */
export interface EncodedChunk {
  bytes: Buffer;
  rows: number;
}

/** Bytes one chunk may hold before it is written, besides `chunkSize` rows. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A growable byte buffer for one chunk of encoded rows, reused from chunk to chunk: after the
 * first chunks it allocates nothing. Its bytes live outside the JavaScript heap.
 */
export class ChunkBytes {
  private buffer: Buffer;
  length = 0;
  rows = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Appends one encoded row (UTF-8). */
  append(text: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes: the exact length is needed only near the end.
    if (this.length + text.length * 3 > this.buffer.length) {
      const needed = this.length + Buffer.byteLength(text, 'utf8');
      if (needed > this.buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2));
        this.buffer.copy(grown, 0, 0, this.length);
        this.buffer = grown;
      }
    }
    this.length += this.buffer.write(text, this.length, 'utf8');
    this.rows += 1;
  }

  view(): EncodedChunk {
    return { bytes: this.buffer.subarray(0, this.length), rows: this.rows };
  }

  clear(): void {
    this.length = 0;
    this.rows = 0;
  }

  /** Bytes reserved (what this buffer costs, whatever it holds now). */
  get capacity(): number {
    return this.buffer.length;
  }
}

export interface EncodedBatchOptions<Row> {
  records: AsyncIterable<ParsedRecord[]> | Iterable<ParsedRecord[]>;
  check: RowCheck<Row>;
  /** One row as the writer's input format (e.g. a COPY text line). */
  encode: (row: Row) => string;
  /**
   * Writes one chunk; it resolves once the chunk is stored (or throws), and it must not keep
   * `chunk.bytes` past that: the buffer is reused.
   */
  write: (chunk: EncodedChunk) => Promise<WriteCounts>;
  /** Rows per chunk (default 10,000). */
  chunkSize?: number;
  /** Bytes per chunk (default 4 MiB): a chunk is written when either bound is reached. */
  chunkBytes?: number;
  errorLimit?: number;
  pathOf?: (index: number, field: string | undefined) => string;
  onProgress?: (rowsSeen: number) => void;
}

/**
 * The batch engine for the large streamed imports, in bounded memory: every row is encoded the
 * moment it checks out, into one of two reused byte buffers (one filling, one being written), so
 * the parsed and checked row objects die young (the collector's cheap minor cycles take them;
 * none lives long enough to be promoted into the old generation) and what an import holds is at
 * most two chunks of bytes, whatever its row count. The source is pulled only as fast as the
 * writer takes chunks: while a chunk is written, at most one more is filled, then the engine waits.
 *
 * All-or-nothing as ingestBatch: the first bad row stops the writing, the rest is only checked
 * and every bad row counted. Rows are not merged by key here: the writer finds repeated keys (a
 * COPY meets its unique index) and merges them itself.
 */
export async function ingestEncoded<Row>(options: EncodedBatchOptions<Row>): Promise<BatchOutcome> {
  const { check, encode, write } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const errorLimit = options.errorLimit ?? DEFAULT_ERROR_LIMIT;
  const pathOf = options.pathOf ?? rowPath;

  const errors: FieldError[] = [];
  let rejectedRows = 0;
  let rows = 0;
  let created = 0;
  let updated = 0;
  let filling = new ChunkBytes();
  let spare = new ChunkBytes();
  let inflight: Promise<void> = Promise.resolve();
  let writing = false;
  let writeFailure: { error: unknown } | undefined;

  const flush = async () => {
    if (filling.rows === 0) return;
    // The spare buffer is the one being written: wait for it before filling it again.
    await inflight;
    if (writeFailure) throw writeFailure.error;
    const chunk = filling;
    filling = spare;
    spare = chunk;
    filling.clear();
    writing = true;
    inflight = write(chunk.view()).then(
      (counts) => {
        writing = false;
        created += counts.created;
        updated += counts.updated;
      },
      (error: unknown) => {
        writing = false;
        writeFailure = { error };
      },
    );
    options.onProgress?.(rows);
  };

  for await (const batch of options.records) {
    // As in ingestBatch: let the writer's replies in between batches while a chunk is written.
    if (writing) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const record of batch) {
      rows++;
      const result = record.error === undefined ? check(record.value) : { problems: [{ message: record.error }] };
      if (result.problems) {
        rejectedRows++;
        for (const problem of result.problems)
          if (errors.length < errorLimit)
            errors.push({ path: pathOf(record.index, problem.field), message: problem.message });
        filling.clear();
        continue;
      }
      if (rejectedRows > 0) continue;
      filling.append(encode(result.row));
      if (filling.rows >= chunkSize || filling.length >= chunkBytes) await flush();
    }
  }
  if (rejectedRows > 0) {
    await inflight;
    return { ok: false, errors, rejectedRows, rows };
  }
  await flush();
  await inflight;
  if (writeFailure) throw writeFailure.error;
  options.onProgress?.(rows);
  return { ok: true, counts: { rows, created, updated, unchanged: rows - created - updated } };
}
