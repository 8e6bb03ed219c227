import type { FieldError } from '../../../http/app-error';
import type { ParsedRecord } from './record-stream';

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
