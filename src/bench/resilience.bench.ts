/**
 * Resilience bench (issue 12): estimate and hold latency while a 1,000-SKU plan computes, against
 * the same figures measured idle in the same run. Plans compute in a worker thread, so the event
 * loop that serves estimates and holds stays free; target: p99 during ≤ 2 × p99 idle.
 *
 * The service runs in this process with a real worker pool, on a fresh PostgreSQL database
 * (BENCH_DATABASE_URL, default the local server) or the embedded PGlite when no server answers.
 * A paced client (a few requests at a time, ~20 ms apart) measures latency; it costs the same in
 * both phases, so the ratio compares like with like.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { createApp } from '../http/app';
import { createServices } from '../services';
import { createLogger } from '../shared/logger';
import { createWorkerPool } from '../shared/worker-pool';
import type { BenchFigure, BenchModule } from './bench-types';
import { seedLargeDrop } from './large-drop';

const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 8_000);
const SHAPE = { skus: 1_000, hubs: 10, regions: 50 };

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

export const resilienceBench: BenchModule = {
  id: 'resilience',
  async run(progress) {
    const database = await freshDatabase();
    const dataDir = `var/bench-resilience-${randomBytes(3).toString('hex')}`;
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: database.url ?? '',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SCHEDULER: 'off',
      DEMO_DATA: 'false',
      ESTIMATE_RATE_LIMIT_PER_MINUTE: '1000000000',
    });
    const db = await openDatabase(config);
    const workers = await createWorkerPool({ threads: 1 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let server: http.Server | undefined;
    const services = createServices({ db, config, logger: createLogger('silent'), workers });
    try {
      await migrate(db);
      progress(`seeding ${SHAPE.skus} SKUs × ${SHAPE.hubs} hubs × ${SHAPE.regions} regions (${db.engine})`);
      const drop = await seedLargeDrop(services, { ...SHAPE, prefix: 'bench' });
      const hotSku = drop.skuIds[0]!;
      // Stock for holds: a published plan with plenty of units of one SKU at every hub.
      await db.transaction(async (tx) => {
        await tx.query(
          `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals) values ('plan-bench', $1, 1000, 'draft', '{}', '{}', '{}')`,
          [drop.dropId],
        );
        for (let h = 0; h < SHAPE.hubs; h++)
          await tx.query('insert into plan_allocations (plan_id, sku_id, hub_id, units) values ($1, $2, $3, $4)', [
            'plan-bench',
            hotSku,
            `bench-hub-${h}`,
            10_000_000,
          ]);
        await tx.query("update plans set status = 'published', published_at = now() where id = 'plan-bench'");
      });
      const admin = (await services.keys.createApiKey({ role: 'admin', label: 'bench' })).key;
      const storefront = (
        await services.keys.createApiKey({ role: 'storefront', creator_id: drop.creatorId, label: 'bench' })
      ).key;
      await services.start();
      server = http.createServer(createApp({ services, logger: services.logger }));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const regionId = drop.regionIds[0]!;

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
      const warm = await request(agent, base, 'POST', `/v1/drops/${drop.dropId}/plans`, admin, { solver: 'fast' });
      if (warm.status !== 201) throw new Error(`plan answered ${warm.status}`);
      await measure(1_000);

      progress(`idle: ${WINDOW_MS} ms of estimates and holds`);
      const idle = await measure(WINDOW_MS);

      progress(`during plans: ${WINDOW_MS} ms of estimates and holds while 1,000-SKU plans compute back to back`);
      let computing = true;
      const planTimes: number[] = [];
      const plans = (async () => {
        while (computing) {
          const res = await request(agent, base, 'POST', `/v1/drops/${drop.dropId}/plans`, admin, { solver: 'fast' });
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
          note: `${db.engine}; ${during[kind].length} requests during, ${idle[kind].length} idle; p50 during ${percentile(during[kind], 0.5).toFixed(1)} ms, idle ${percentile(idle[kind], 0.5).toFixed(1)} ms; ${planTimes.length} plans computed, ${Math.round(percentile(planTimes, 0.5))} ms each (median request)`,
        };
      };
      return [
        figure('resilience.estimate_p99_during_1000_sku_plan', 'estimates'),
        figure('resilience.hold_p99_during_1000_sku_plan', 'holds'),
      ];
    } finally {
      agent.destroy();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await services.stop().catch(() => undefined);
      await workers.close();
      await db.close();
      await database.drop();
      (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
