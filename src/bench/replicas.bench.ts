import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { DEMO_DROP_ID, loadDemoCatalog } from '../demo/demo-catalog';
import { createServices } from '../services';
import { createLogger } from '../shared/logger';
import type { BenchFigure, BenchModule } from './bench-types';
import { requireBenchDatabase, startServiceProcess } from './service-process';

/**
 * Replicas bench: how long after a plan publish every API replica answers estimates from it. Two
 * API processes (`ROLE=api`, `node --import tsx src/main.ts`) serve one fresh PostgreSQL database;
 * the bench publishes a plan through the first one and asks both, every few milliseconds, the
 * estimate whose source the plan changes (the SKU is stocked at another hub in each plan), until
 * both answer from the new plan. Repeated for PUBLISHES plans; the slowest and the median count.
 * Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
const PUBLISHES = Number(process.env.REPLICAS_BENCH_PUBLISHES ?? 6);
const REPLICAS = 2;
const PROBE_HUBS = ['hub-lax', 'hub-dfw'];
const POLL_MS = 2;

/** The catalog, an admin and a storefront key, and PUBLISHES draft plans, written before any replica starts. */
async function prepare(databaseUrl: string) {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', SCHEDULER: 'off' });
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const services = createServices({ db, config, logger: createLogger('silent') });
    await loadDemoCatalog(services.catalog, services.clock);
    const skus = await services.catalog.listSkus({ keyId: 'bench', role: 'admin' }, DEMO_DROP_ID);
    const skuId = skus[0]!.id;
    const admin = (await services.keys.createApiKey({ role: 'admin', label: 'bench' })).key;
    const storefront = (
      await services.keys.createApiKey({ role: 'storefront', creator_id: 'creator-nova', label: 'bench' })
    ).key;
    // Plan i stocks the SKU at one hub, plan i + 1 at the other: each publish moves the estimate's source.
    for (let i = 0; i <= PUBLISHES; i++)
      await db.transaction(async (tx) => {
        await tx.query(
          `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals)
           values ($1, $2, $3, 'draft', '{}', '{}', '{}')`,
          [`plan-bench-${i}`, DEMO_DROP_ID, i + 1],
        );
        await tx.query('insert into plan_allocations (plan_id, sku_id, hub_id, units) values ($1, $2, $3, 50)', [
          `plan-bench-${i}`,
          skuId,
          PROBE_HUBS[i % PROBE_HUBS.length],
        ]);
      });
    return { skuId, admin, storefront };
  } finally {
    await db.close();
  }
}

/** Where a replica's estimate comes from: "status source-type:source-id". */
async function sourceOf(base: string, key: string, skuId: string): Promise<string> {
  const res = await fetch(`${base}/v1/estimates?sku_id=${skuId}&region_id=US-CA&quantity=1`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await res.json()) as { status?: string; source?: { type: string; id: string } };
  return `${res.status} ${body.status ?? ''} ${body.source ? `${body.source.type}:${body.source.id}` : ''}`;
}

/** Milliseconds from `since` until every replica answers something other than `before`, and what. */
async function untilAllMove(
  bases: string[],
  key: string,
  skuId: string,
  before: string,
  since: number,
): Promise<{ ms: number; answers: string[] }> {
  const moved: (number | undefined)[] = bases.map(() => undefined);
  const answers: string[] = bases.map(() => before);
  while (moved.some((m) => m === undefined)) {
    if (performance.now() - since > 30_000) throw new Error(`replicas still answer '${before}' 30 s after a publish`);
    await Promise.all(
      bases.map(async (base, i) => {
        if (moved[i] !== undefined) return;
        const answer = await sourceOf(base, key, skuId);
        if (answer !== before) {
          moved[i] = performance.now() - since;
          answers[i] = answer;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { ms: Math.max(...(moved as number[])), answers };
}

async function publish(base: string, key: string, planId: string) {
  const res = await fetch(`${base}/v1/plans/${planId}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  });
  if (res.status !== 200) throw new Error(`publish ${planId}: ${res.status} ${await res.text()}`);
}

export const replicasBench: BenchModule = {
  id: 'replicas',
  async run(progress) {
    const database = await requireBenchDatabase('replicas');
    const { name, url: databaseUrl } = database;
    const children: ChildProcess[] = [];
    try {
      progress(`fresh database ${name}: demo catalog, ${PUBLISHES + 1} draft plans`);
      const setup = await prepare(databaseUrl);
      progress(`starting ${REPLICAS} API replicas (ROLE=api)`);
      const replicas = await Promise.all(
        Array.from({ length: REPLICAS }, () => startServiceProcess({ databaseUrl, role: 'api' })),
      );
      children.push(...replicas.map((r) => r.child));
      const bases = replicas.map((r) => r.base);

      // The first publish sets the starting answer; the next PUBLISHES are measured.
      let before = await sourceOf(bases[0]!, setup.storefront, setup.skuId);
      await publish(bases[0]!, setup.admin, 'plan-bench-0');
      before = (await untilAllMove(bases, setup.storefront, setup.skuId, before, performance.now())).answers[0]!;
      const times: number[] = [];
      const requestTimes: number[] = [];
      for (let i = 1; i <= PUBLISHES; i++) {
        const started = performance.now();
        await publish(bases[i % REPLICAS]!, setup.admin, `plan-bench-${i}`);
        requestTimes.push(performance.now() - started);
        const { ms, answers } = await untilAllMove(bases, setup.storefront, setup.skuId, before, started);
        if (new Set(answers).size !== 1) throw new Error(`replicas disagree after a publish: ${answers.join(' | ')}`);
        progress(`publish ${i}: every replica answers from it after ${ms.toFixed(0)} ms (${answers[0]})`);
        times.push(ms);
        before = answers[0]!;
      }
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const slowest = sorted[sorted.length - 1]!;
      const requestMedian = [...requestTimes].sort((a, b) => a - b)[Math.floor(requestTimes.length / 2)]!;
      const figures: BenchFigure[] = [
        {
          name: 'replicas.publish_to_all_replicas_max',
          value: Number(slowest.toFixed(1)),
          unit: 'ms',
          target: '< 1000 ms',
          pass: slowest < 1000,
          note: `from the publish request to both of ${REPLICAS} ROLE=api replicas answering from the new plan; slowest of ${PUBLISHES} publishes, each through the replica in turn; polled every ${POLL_MS} ms`,
        },
        {
          name: 'replicas.publish_to_all_replicas_median',
          value: Number(median.toFixed(1)),
          unit: 'ms',
          note: `median of ${PUBLISHES} publishes, the publish request's own ${requestMedian.toFixed(0)} ms (median) included`,
        },
      ];
      return figures;
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1_000));
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  },
};
