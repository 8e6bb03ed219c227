import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * How the service's Node.js process is started, in `npm start`, the Dockerfile and every bench
 * that runs the service in its own process (a test checks the three agree).
 *
 * `--max-semi-space-size=32` (MB, V8's default is 16 on 64-bit): a pre-order import and a burst
 * of distinct estimates allocate many short-lived objects; with a young generation twice as large,
 * fewer of them survive into the old generation, so the heap (and RSS) grows far less during a
 * million-row import and scavenges run less often.
 *
 * `--heap-growing-percent=20`: after a major collection V8 lets the old generation grow to a
 * multiple of what survived before it collects again, and under a fast import it chose a large one
 * (the old generation drifted ~5 MB/s up to ~100 MB over a live heap near 86 MB, and RSS with it).
 * Capping the growth at 20 % collects sooner: a 3,000,000-row import grew RSS by +0 to +26 MB
 * instead of +42 to +130 MB, at the same import rate (README, Benchmarks).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--heap-growing-percent=20'];

/** A port nobody listens on right now (for a service process a bench starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The PostgreSQL server benches create their databases on (BENCH_DATABASE_URL, default the local one). */
export const BENCH_SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  /** Drops the database, with force: a service process that still holds connections does not stop it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the bench's PostgreSQL server, for a service the bench starts (the
 * service migrates it). Undefined when no server answers: a bench that can run on the embedded
 * PGlite falls back to it, the others say they need PostgreSQL.
 */
export async function freshBenchDatabase(serverUrl: string = BENCH_SERVER_URL): Promise<BenchDatabase | undefined> {
  const name = `mf_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch {
    await admin.end().catch(() => undefined);
    return undefined;
  }
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** A fresh database for a bench that measures PostgreSQL itself: fails when no server answers. */
export async function requireBenchDatabase(bench: string): Promise<BenchDatabase> {
  const database = await freshBenchDatabase();
  if (!database)
    throw new Error(`the ${bench} bench needs PostgreSQL: none answers at BENCH_DATABASE_URL (${BENCH_SERVER_URL})`);
  return database;
}

export interface ServiceProcess {
  child: ChildProcess;
  base: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * `src/main.ts` in its own process as deployed (ROLE, DATABASE_URL, the flags above), on a free
 * port, resolved once it answers `/readyz` (an API replica or all) or `/healthz` (a worker).
 */
export async function startServiceProcess(options: {
  databaseUrl: string;
  role: 'api' | 'worker' | 'all';
  env?: Record<string, string>;
  /** Node.js flags added after the service's own (a bench trying one out). */
  nodeFlags?: readonly string[];
}): Promise<ServiceProcess> {
  const port = await freePort();
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const flags = [...SERVICE_NODE_FLAGS, ...(options.nodeFlags ?? [])];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ROLE: options.role,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      ESTIMATE_RATE_LIMIT_PER_MINUTE: '1000000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const probe = options.role === 'worker' ? '/healthz' : '/readyz';
  for (let attempt = 0; attempt < 360; attempt++) {
    const ready = await fetch(`${base}${probe}`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready)
      return {
        child,
        base,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the service (ROLE=${options.role}) did not start:\n${output}`);
}
