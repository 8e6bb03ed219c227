import { ConfigError, loadConfig, type AppConfig } from '../config';
import { DataFolderLockedError } from '../db/data-folder-lock';
import type { Database } from '../db/database';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { createServices, type Services } from '../services';
import { createLogger } from '../shared/logger';

/**
 * CLI commands run against the configured database (DATABASE_URL, or the embedded PGlite in
 * DATA_DIR). An embedded database is one process at a time: stop `npm start` first, or use the API.
 */
export async function withServices<T>(
  work: (services: Services, db: Database, config: AppConfig) => Promise<T>,
  overrides: Pick<Parameters<typeof createServices>[0], 'trainingExecutor'> = {},
): Promise<T> {
  const config = loadCliConfig();
  let db: Database;
  try {
    db = await openDatabase(config);
  } catch (error) {
    // Another process (the service, another CLI) holds the embedded data folder: say who, stop.
    if (error instanceof DataFolderLockedError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT.failed);
    }
    throw error;
  }
  try {
    await migrate(db);
    const services = createServices({
      db,
      config,
      logger: createLogger(process.env.LOG_LEVEL ?? 'warn'),
      ...overrides,
    });
    try {
      return await work(services, db, config);
    } finally {
      await services.stop();
    }
  } finally {
    await db.close();
  }
}

/** Minimal `--name value` / `--flag` parsing for the CLI commands. */
export function parseFlags(args: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = args[i + 1];
      if (inline !== undefined) flags[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) {
        flags[name] = next;
        i++;
      } else flags[name] = true;
    } else positional.push(arg);
  }
  return { positional, flags };
}

/**
 * Exit codes of every command (README, "Other commands"): 0 done, 1 the work failed, 2 the command
 * line is wrong (usage), 78 the configuration is wrong (EX_CONFIG of sysexits).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, config: 78 } as const;

/** A usage error: the message (with the usage) on stderr, exit 2. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.usage);
}

/** The work failed (a file unreadable, nothing imported, a quality bar missed): exit 1. */
export function failRun(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.failed);
}

/** `--help` or `-h` anywhere: the usage on stdout and exit 0, before anything else is parsed. */
export function exitOnHelp(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(EXIT.ok);
  }
}

/** The configuration from the environment; a bad value is exit 78 naming the variable. */
export function loadCliConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT.config);
    }
    throw error;
  }
}
