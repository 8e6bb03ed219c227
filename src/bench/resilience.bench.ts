/**
 * Resilience bench (issue 12): estimate and hold latency while a 1,000-SKU plan computes, against
 * the same figures measured idle in the same run. Plans compute in a worker thread, so the event
 * loop that serves estimates and holds stays free; target: p99 during ≤ 2 × p99 idle.
 *
 * The service runs in its own process (resilience-bench-server.ts) with a real worker pool, as
 * deployed, on a fresh PostgreSQL database (BENCH_DATABASE_URL, default the local server) or the
 * embedded PGlite when no server answers; the clients that measure it run in this process.
 * A paced client (a few requests at a time, ~20 ms apart) measures latency; it costs the same in
 * both phases, so the ratio compares like with like.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import readline from 'node:readline';
import pg from 'pg';
import type { BenchFigure, BenchModule } from './bench-types';
import { SERVICE_NODE_FLAGS } from './service-process';

const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 8_000);

async function freshDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  const name = `mf_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    return { url: undefined, drop: async () => undefined };
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

function request(agent: http.Agent, base: string, method: string, path: string, key: string, body?: unknown) {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
};

interface ServerInfo {
  base: string;
  engine: string;
  admin: string;
  storefront: string;
  dropId: string;
  hotSku: string;
  regionId: string;
}

function startServer(databaseUrl: string | undefined): Promise<{ info: ServerInfo; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...SERVICE_NODE_FLAGS,
      ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      'src/bench/resilience-bench-server.ts',
    ],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) =>
      resolve({
        info: JSON.parse(line) as ServerInfo,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`resilience bench server exited with ${code}`)));
  });
}

export const resilienceBench: BenchModule = {
  id: 'resilience',
  async run(progress) {
    const database = await freshDatabase();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    progress('starting the service in its own process: 1,000 SKUs × 10 hubs × 50 regions');
    const server = await startServer(database.url);
    try {
      const { base, admin, storefront, dropId, hotSku, regionId, engine } = server.info;

      const measure = async (windowMs: number) => {
        const estimates: number[] = [];
        const holds: number[] = [];
        const until = performance.now() + windowMs;
        const loop = async (kind: 'estimate' | 'hold') => {
          while (performance.now() < until) {
            const res =
              kind === 'estimate'
                ? await request(agent, base, 'GET', `/v1/estimates?sku_id=${hotSku}&region_id=${regionId}`, storefront)
                : await request(agent, base, 'POST', '/v1/holds', storefront, {
                    sku_id: hotSku,
                    quantity: 1,
                    region_id: regionId,
                  });
            if (res.status >= 300) throw new Error(`${kind} answered ${res.status}`);
            (kind === 'estimate' ? estimates : holds).push(res.ms);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        };
        await Promise.all([loop('estimate'), loop('estimate'), loop('hold'), loop('hold')]);
        return { estimates, holds };
      };

      progress('warm-up: one plan (loads the worker, HiGHS) and a short load');
      const warm = await request(agent, base, 'POST', `/v1/drops/${dropId}/plans`, admin, { solver: 'fast' });
      if (warm.status !== 201) throw new Error(`plan answered ${warm.status}`);
      await measure(1_000);

      progress(`idle: ${WINDOW_MS} ms of estimates and holds`);
      const idle = await measure(WINDOW_MS);

      progress(`during plans: ${WINDOW_MS} ms of estimates and holds while 1,000-SKU plans compute back to back`);
      let computing = true;
      const planTimes: number[] = [];
      const plans = (async () => {
        while (computing) {
          const res = await request(agent, base, 'POST', `/v1/drops/${dropId}/plans`, admin, { solver: 'fast' });
          if (res.status !== 201) throw new Error(`plan answered ${res.status}`);
          planTimes.push(res.ms);
        }
      })();
      const during = await measure(WINDOW_MS);
      computing = false;
      await plans;

      const figure = (name: string, kind: 'estimates' | 'holds'): BenchFigure => {
        const value = percentile(during[kind], 0.99);
        const reference = percentile(idle[kind], 0.99);
        const ratio = value / reference;
        return {
          name,
          value,
          unit: 'ms',
          reference: { name: `${kind} p99 idle`, value: reference, unit: 'ms' },
          ratio,
          target: '≤ 2 × idle p99',
          pass: ratio <= 2,
          note: `${engine}; ${during[kind].length} requests during, ${idle[kind].length} idle; p50 during ${percentile(during[kind], 0.5).toFixed(1)} ms, idle ${percentile(idle[kind], 0.5).toFixed(1)} ms; ${planTimes.length} plans computed, ${Math.round(percentile(planTimes, 0.5))} ms each (median request)`,
        };
      };
      return [
        figure('resilience.estimate_p99_during_1000_sku_plan', 'estimates'),
        figure('resilience.hold_p99_during_1000_sku_plan', 'holds'),
      ];
    } finally {
      agent.destroy();
      await server.stop();
      await database.drop();
    }
  },
};
