/**
 * Import past drops into the training history (demand_history):
 * `npm run import-history -- FILE [--format csv|json]` (format from the extension by default).
 * Columns: src/modules/forecast/forecast.schemas.ts (`historyRowSchema`). All or nothing: a bad row
 * rejects the file, naming each bad row and field; nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { AppError } from '../http/app-error';
import { historyFormatOf, type HistoryFormat } from '../modules/forecast/history-import';
import { exitOnHelp, fail, failRun, parseFlags, withServices } from './cli-context';

const USAGE =
  'usage: npm run import-history -- FILE [--format csv|json]\n  imports past drops (CSV or JSON) into the training history (demand_history)';

async function main(): Promise<void> {
  exitOnHelp(USAGE);
  const { positional, flags } = parseFlags(process.argv.slice(2));
  const file = positional[0];
  if (!file) fail(USAGE);
  const format = (typeof flags.format === 'string' ? flags.format : historyFormatOf(file)) as HistoryFormat;
  if (format !== 'csv' && format !== 'json') fail(`--format must be csv or json (got ${format})`);
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (error) {
    failRun(`cannot read ${file}: ${(error as Error).message}`);
  }
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    { format: 'history {phase} [{bar}] {value}/{total} rows', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  try {
    const result = await withServices((services) =>
      services.history.importHistory({ text, format }, (p) => {
        if (p.phase !== phase) {
          if (phase) bar.stop();
          phase = p.phase;
          bar.start(p.total, 0, { phase: p.phase.padEnd(8) });
        }
        bar.update(p.done, { phase: p.phase.padEnd(8) });
      }),
    );
    bar.stop();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `imported ${result.rows} rows of ${result.drops} drop(s) from ${file}: ${result.created} new, ${result.updated} replaced, ` +
        `${result.realised_units} realised units; ${seconds}s`,
    );
  } catch (error) {
    bar.stop();
    if (error instanceof AppError) {
      const lines = (error.options.errors ?? []).map((e) => `  ${e.path}: ${e.message}`);
      failRun([`nothing imported: ${error.detail.split(';')[0]}`, ...lines].join('\n'));
    }
    throw error;
  }
}

await main();
