/**
 * Imports past drops into demand_history from CSV or JSON (columns in forecast.schemas.ts,
 * `historyRowSchema`). All or nothing: every row is validated first (shape, then consistency
 * across rows: one creator and one window per drop, one price per SKU, no repeated drop × SKU ×
 * region); any problem rejects the whole file with an `unprocessable` AppError naming each row
 * (1-based, as a person counts data rows) and field, e.g. `rows[3].realised_demand`. Valid files
 * are written in one transaction, replacing earlier rows of the same drop × SKU × region.
 *
 * JSON: an array of row objects, or `{ "rows": [...] }`. CSV: RFC 4180 with a header row.
 */
import type { Database } from '../../db/database';
import { AppError, formatFieldPath, type FieldError } from '../../http/app-error';
import { parseCsv, recordsOfArray, type ParsedRecord } from '../../shared/record-stream';
import { CHANNELS, LEAD_TIMES, SOCIAL_METRICS, SOCIAL_WIDTH, socialIndex } from './core/forecast-types';
import { forecastRepository as repo, type DemandHistoryInsert } from './forecast.repository';
import { HISTORY_NUMERIC_COLUMNS, historyRowSchema, type HistoryRowInput } from './forecast.schemas';
import type { ClosedDrop } from './core/forecast-types';
import {
  isSimulatedHistory,
  parseSimulatedHistory,
  toClosedDrops,
  type CellSnapshots,
  type DemandHistoryRow,
} from './training-history';

export type HistoryFormat = 'csv' | 'json';

export interface HistoryImportResult {
  rows: number;
  drops: number;
  created: number;
  updated: number;
  realised_units: number;
}

export interface HistoryImportProgress {
  phase: 'validate' | 'write';
  done: number;
  total: number;
}

/** At most this many problems are listed (the detail counts them all). */
const MAX_LISTED_ERRORS = 100;
const WRITE_CHUNK = 2_000;

export function historyFormatOf(fileName: string): HistoryFormat {
  return /\.json$/i.test(fileName) ? 'json' : 'csv';
}

/** Parses the text of a CSV or JSON file into records, numbered from 0. */
export async function parseHistoryRecords(text: string, format: HistoryFormat): Promise<ParsedRecord[]> {
  if (format === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new AppError('unprocessable', `The history file is not valid JSON: ${(error as Error).message}`, {
        extensions: { reason: 'bad_file' },
      });
    }
    const rows = Array.isArray(json)
      ? json
      : json && typeof json === 'object' && Array.isArray((json as { rows?: unknown }).rows)
        ? (json as { rows: unknown[] }).rows
        : null;
    if (!rows)
      throw new AppError('unprocessable', 'A JSON history is an array of rows or {"rows": [...]}', {
        extensions: { reason: 'bad_file' },
      });
    return recordsOfArray(rows);
  }
  const records: ParsedRecord[] = [];
  for await (const batch of parseCsv([text], HISTORY_NUMERIC_COLUMNS)) records.push(...batch);
  return records;
}

/** Validates every record; answers the rows ready to write, or throws naming every bad row and field. */
export function validateHistoryRecords(
  records: readonly ParsedRecord[],
  onProgress?: (p: HistoryImportProgress) => void,
): DemandHistoryInsert[] {
  const errors: FieldError[] = [];
  const valid: { index: number; row: HistoryRowInput }[] = [];
  records.forEach((record, i) => {
    const at = (field?: string) => `rows[${record.index + 1}]${field ? `.${field}` : ''}`;
    if (record.error !== undefined) errors.push({ path: at(), message: record.error });
    else {
      const parsed = historyRowSchema.safeParse(record.value);
      if (parsed.success) valid.push({ index: record.index, row: parsed.data });
      else {
        for (const issue of parsed.error.issues) {
          if (issue.code === 'unrecognized_keys')
            errors.push({
              path: issue.keys.map((k) => at(k)).join(', '),
              message: `unknown column(s): ${issue.keys.join(', ')}`,
            });
          else
            errors.push({
              path: at(formatFieldPath(issue.path) === '(body)' ? undefined : formatFieldPath(issue.path)),
              message: issue.message,
            });
        }
      }
    }
    if (onProgress && (i % 1000 === 999 || i === records.length - 1))
      onProgress({ phase: 'validate', done: i + 1, total: records.length });
  });

  // Consistency across rows: the first row of a drop (or SKU) sets what later rows must repeat.
  const drops = new Map<string, HistoryRowInput>();
  const prices = new Map<string, number>();
  const cells = new Set<string>();
  for (const { index, row } of valid) {
    const at = (field: string) => `rows[${index + 1}].${field}`;
    const first = drops.get(row.drop_id);
    if (!first) drops.set(row.drop_id, row);
    else {
      if (first.creator_id !== row.creator_id)
        errors.push({
          path: at('creator_id'),
          message: `drop '${row.drop_id}' already has creator '${first.creator_id}'`,
        });
      for (const field of ['opens_at', 'closes_at'] as const) {
        if (Date.parse(first[field]) !== Date.parse(row[field]))
          errors.push({ path: at(field), message: `drop '${row.drop_id}' already has ${field} ${first[field]}` });
      }
    }
    const skuKey = `${row.drop_id}\u0000${row.sku_id}`;
    const price = prices.get(skuKey);
    if (price === undefined) prices.set(skuKey, row.price);
    else if (price !== row.price)
      errors.push({
        path: at('price'),
        message: `SKU '${row.sku_id}' of drop '${row.drop_id}' already has price ${price}`,
      });
    const cellKey = `${skuKey}\u0000${row.region_id}`;
    if (cells.has(cellKey))
      errors.push({
        path: at('region_id'),
        message: `repeats drop '${row.drop_id}', SKU '${row.sku_id}', region '${row.region_id}'`,
      });
    cells.add(cellKey);
  }
  if (records.length === 0) errors.push({ path: 'rows', message: 'the file has no data rows' });

  if (errors.length > 0) {
    const listed = errors.slice(0, MAX_LISTED_ERRORS);
    throw new AppError(
      'unprocessable',
      `History import rejected (nothing written): ${errors.length} problem(s); ${listed
        .slice(0, 5)
        .map((e) => `${e.path}: ${e.message}`)
        .join('; ')}${errors.length > 5 ? '; …' : ''}`,
      { errors: listed, extensions: { reason: 'invalid_rows', problems: errors.length } },
    );
  }
  return valid.map(({ row }) => toInsert(row));
}

/**
 * One row → its demand_history shape. A signal kind is stored at a lead only when the row has a
 * column of that kind at that lead: a file without social (or token-holder) columns yields drops
 * whose kind is missing, not measured as zero.
 */
function toInsert(row: HistoryRowInput): DemandHistoryInsert {
  const values = row as unknown as Record<string, number | undefined>;
  const snapshots: CellSnapshots = {};
  for (const L of LEAD_TIMES) {
    const keepsSocial = Object.keys(row).some((k) => k.startsWith(`social_${L}d_`));
    const social = new Array<number>(SOCIAL_WIDTH).fill(0);
    CHANNELS.forEach((ch, ci) =>
      SOCIAL_METRICS.forEach((m, mi) => (social[socialIndex(ci, mi)] = values[`social_${L}d_${ch}_${m}`] ?? 0)),
    );
    const holders = values[`token_holders_${L}d`];
    snapshots[String(L)] = {
      preorders: values[`preorders_${L}d`] ?? 0,
      velocity: values[`velocity_${L}d`] ?? 0,
      ...(holders !== undefined && { token_holders: holders }),
      ...(keepsSocial && { social }),
    };
  }
  return {
    drop_id: row.drop_id,
    creator_id: row.creator_id,
    sku_id: row.sku_id,
    region_id: row.region_id,
    opens_at: new Date(row.opens_at).toISOString(),
    closes_at: new Date(row.closes_at).toISOString(),
    price: row.price,
    realised_demand: row.realised_demand,
    snapshots,
    source: 'import',
  };
}

/**
 * A history file read for training without importing it (`npm run train -- --history FILE`): the
 * documented import format (CSV or JSON rows, the same validation as an import), or a simulated
 * history JSON. Answers the closed drops, in opening order.
 */
export async function readHistoryFileDrops(text: string, format: HistoryFormat): Promise<ClosedDrop[]> {
  if (format === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // parseHistoryRecords names the JSON error
    }
    if (isSimulatedHistory(json)) return parseSimulatedHistory(json).drops;
  }
  const rows = validateHistoryRecords(await parseHistoryRecords(text, format));
  return toClosedDrops(
    rows.map((r) => ({ ...r, opens_at: new Date(r.opens_at), closes_at: new Date(r.closes_at) }) as DemandHistoryRow),
  );
}

/**
 * Closed drops as rows of the documented import format (the inverse of reading a file): one row
 * per drop × SKU × region; signal kinds only where the drop had them, so a history without social
 * signals yields a file without social columns. `simulate-history --as-import` writes these.
 */
export function dropsToHistoryRows(drops: readonly ClosedDrop[]): Record<string, string | number>[] {
  return drops.flatMap((d) =>
    d.regions.flatMap((r) =>
      d.skus.map((sku, k) => {
        const row: Record<string, string | number> = {
          drop_id: d.id,
          creator_id: d.creatorId,
          sku_id: sku.id,
          region_id: r.regionId,
          opens_at: d.opensAt,
          closes_at: d.closesAt,
          price: sku.price,
          realised_demand: r.demand[k] as number,
        };
        LEAD_TIMES.forEach((L, li) => {
          row[`preorders_${L}d`] = r.preorders[k]?.[li] ?? 0;
          row[`velocity_${L}d`] = r.velocity[k]?.[li] ?? 0;
          if (d.observed.tokenHolders[li]) row[`token_holders_${L}d`] = r.tokenHolders[li] ?? 0;
          if (d.observed.social[li]) {
            CHANNELS.forEach((ch, ci) =>
              SOCIAL_METRICS.forEach((m, mi) => {
                const v = r.social[li]?.[socialIndex(ci, mi)] ?? 0;
                if (v !== 0 || (ci === 0 && mi === 0)) row[`social_${L}d_${ch}_${m}`] = v;
              }),
            );
          }
        });
        return row;
      }),
    ),
  );
}

/** Validates, then writes every row in one transaction. */
export async function importDemandHistory(
  db: Database,
  input: { text: string; format: HistoryFormat },
  onProgress?: (p: HistoryImportProgress) => void,
): Promise<HistoryImportResult> {
  const records = await parseHistoryRecords(input.text, input.format);
  const rows = validateHistoryRecords(records, onProgress);
  const written = await db.transaction(async (tx) => {
    let created = 0;
    let updated = 0;
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      const chunk = rows.slice(i, i + WRITE_CHUNK);
      const counts = await repo.upsertDemandHistory(tx, chunk);
      created += counts.created;
      updated += counts.updated;
      onProgress?.({ phase: 'write', done: i + chunk.length, total: rows.length });
    }
    return { created, updated };
  });
  return {
    rows: rows.length,
    drops: new Set(rows.map((r) => r.drop_id)).size,
    ...written,
    realised_units: rows.reduce((a, r) => a + r.realised_demand, 0),
  };
}
