/**
 * Bulk signal imports from a file, straight into the configured database through the service
 * layer (the same validation and all-or-nothing transaction as the HTTP imports, no running
 * server needed; acts as admin):
 *
 *   npm run import -- preorders FILE --drop-id DROP_ID
 *   npm run import -- social FILE --drop-id DROP_ID
 *   npm run import -- token-holders FILE --drop-id DROP_ID
 *   npm run import -- inventory-events FILE
 *
 * FILE is NDJSON (.ndjson, .jsonl), CSV (.csv, header row first) or a JSON array / {"rows": [...]}
 * (.json); `--format ndjson|csv|json` overrides the extension. Streams NDJSON and CSV with bounded
 * memory. With the embedded PGlite, stop `npm start` first (one process at a time), or POST the
 * file to a running service instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { AppError } from '../http/app-error';
import type { Principal } from '../http/principal';
import type { IngestCounts } from '../modules/signals/core/batch-ingest';
import { parseRecords, recordsOfArray, type ParsedRecord } from '../shared/record-stream';
import { exitOnHelp, fail, parseFlags, withServices } from './cli-context';

const KINDS = {
  preorders: { numeric: ['quantity'], needsDrop: true },
  social: { numeric: ['value'], needsDrop: true },
  'token-holders': { numeric: ['holders', 'tokens'], needsDrop: true },
  'inventory-events': { numeric: ['quantity'], needsDrop: false },
} as const;
type Kind = keyof typeof KINDS;

const USAGE =
  'usage: npm run import -- preorders|social|token-holders|inventory-events FILE [--drop-id DROP_ID] [--format ndjson|csv|json]';

function formatOf(file: string, flag: string | true | undefined): 'ndjson' | 'csv' | 'json' {
  if (flag === 'ndjson' || flag === 'csv' || flag === 'json') return flag;
  if (flag !== undefined) fail(`--format must be ndjson, csv or json\n${USAGE}`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  return 'ndjson';
}

async function main() {
  exitOnHelp(USAGE);
  const { positional, flags } = parseFlags(process.argv.slice(2));
  const [kindArg, file] = positional;
  if (!kindArg || !(kindArg in KINDS) || !file) fail(USAGE);
  const kind = kindArg as Kind;
  // Named as in the API (drop_id); the shorter --drop still works.
  const dropFlag = flags['drop-id'] ?? flags.drop;
  const dropId = typeof dropFlag === 'string' ? dropFlag : undefined;
  if (KINDS[kind].needsDrop && !dropId) fail(`--drop-id DROP_ID is required for ${kind}\n${USAGE}`);
  if (!fs.existsSync(file)) fail(`no such file: ${file}`);
  const format = formatOf(file, flags.format);
  const totalBytes = fs.statSync(file).size;

  const bar = new cliProgress.SingleBar(
    {
      format: `${kind} [{bar}] {percentage}% | {rows} rows | {mb} of {totalMb} MB | {eta_formatted} left`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bytesRead = 0;
  let rowsSeen = 0;
  const totalMb = (totalBytes / 1e6).toFixed(1);
  bar.start(Math.max(totalBytes, 1), 0, { rows: 0, mb: '0.0', totalMb });
  const tick = () => bar.update(bytesRead, { rows: rowsSeen, mb: (bytesRead / 1e6).toFixed(1), totalMb });

  let records: AsyncIterable<ParsedRecord[]> | Iterable<ParsedRecord[]>;
  if (format === 'json') {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const rows = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown }).rows;
    if (!Array.isArray(rows)) fail('a .json file holds an array of rows or {"rows": [...]}');
    bytesRead = totalBytes;
    records = [recordsOfArray(rows)];
  } else {
    // Counted as the parser pulls (a 'data' listener would start the stream before the import reads it).
    const counted = async function* () {
      for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
        bytesRead += chunk.length;
        yield chunk;
      }
    };
    records = parseRecords(counted(), format, new Set<string>(KINDS[kind].numeric));
  }

  const admin: Principal = { keyId: 'cli', role: 'admin' };
  const options = {
    onProgress: (rows: number) => {
      rowsSeen = rows;
      tick();
    },
  };
  const started = performance.now();
  try {
    const counts: IngestCounts = await withServices(async ({ signals }) => {
      switch (kind) {
        case 'preorders':
          return signals.importPreorders(admin, dropId!, records, options);
        case 'social':
          return signals.importSocialSignals(admin, dropId!, records, options);
        case 'token-holders':
          return signals.importTokenHolderSnapshots(admin, dropId!, records, options);
        case 'inventory-events':
          return signals.importInventoryEvents(admin, records, options);
      }
    });
    bytesRead = totalBytes;
    tick();
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `accepted ${counts.rows} rows (created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}), rejected 0, ` +
        `in ${seconds.toFixed(1)} s (${Math.round(counts.rows / Math.max(seconds, 1e-3))} rows/s)\n`,
    );
  } catch (error) {
    bar.stop();
    if (!(error instanceof AppError)) throw error;
    const extensions = error.options.extensions ?? {};
    const rejectedRows = typeof extensions.rejected_rows === 'number' ? extensions.rejected_rows : undefined;
    if (rejectedRows !== undefined)
      process.stderr.write(
        `accepted 0 rows, rejected ${rejectedRows} of ${String(extensions.rows)}: nothing was written\n`,
      );
    else process.stderr.write(`refused: ${error.detail}\n`);
    for (const fieldError of (error.options.errors ?? []).slice(0, 20))
      process.stderr.write(`  ${fieldError.path}: ${fieldError.message}\n`);
    if ((error.options.errors?.length ?? 0) > 20)
      process.stderr.write(`  … and ${(error.options.errors?.length ?? 0) - 20} more listed problems\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`import failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
