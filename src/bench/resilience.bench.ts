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
import http from 'node:http';
import readline from 'node:readline';
import type { BenchFigure, BenchModule } from './bench-types';
import { freshBenchDatabase, SERVICE_NODE_FLAGS, startServiceProcess } from './service-process';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 6_000);
const ROUNDS = Number(process.env.BENCH_RESILIENCE_ROUNDS ?? 3);

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

function startServer(
  databaseUrl: string | undefined,
  env: Record<string, string>,
): Promise<{ info: ServerInfo; stop: () => Promise<void> }> {
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
      env: { ...process.env, DATABASE_URL: databaseUrl ?? '', ...env },
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

type Latencies = { estimates: number[]; holds: number[] };

/** Paced estimates and holds for `windowMs` (two clients of each, ~20 ms apart). */
async function measure(agent: http.Agent, info: ServerInfo, base: string, windowMs: number): Promise<Latencies> {
  const { storefront, hotSku, regionId } = info;
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
}

/**
 * Idle latencies and the same load while `computePlan` runs back to back, in ROUNDS alternated
 * pairs of windows (idle, then during), pooled: a burst of other work on a shared machine then
 * lands in one window of either kind rather than deciding the ratio, and the p99 of each side
 * rests on ROUNDS times the requests.
 */
async function latencyUnderPlans(
  agent: http.Agent,
  info: ServerInfo,
  base: string,
  computePlan: () => Promise<number>,
  progress: (message: string) => void,
): Promise<{ idle: Latencies; during: Latencies; planTimes: number[] }> {
  progress('warm-up: one plan (loads the worker, HiGHS) and a short load');
  await computePlan();
  await measure(agent, info, base, 1_000);
  const idle: Latencies = { estimates: [], holds: [] };
  const during: Latencies = { estimates: [], holds: [] };
  const planTimes: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}/${ROUNDS}, idle: ${WINDOW_MS} ms of estimates and holds`);
    const quiet = await measure(agent, info, base, WINDOW_MS);
    progress(`round ${round}/${ROUNDS}, during plans: ${WINDOW_MS} ms while 1,000-SKU plans compute back to back`);
    let computing = true;
    const plans = (async () => {
      while (computing) planTimes.push(await computePlan());
    })();
    const busy = await measure(agent, info, base, WINDOW_MS);
    computing = false;
    await plans;
    for (const kind of ['estimates', 'holds'] as const) {
      idle[kind].push(...quiet[kind]);
      during[kind].push(...busy[kind]);
    }
  }
  return { idle, during, planTimes };
}

function figures(
  prefix: string,
  where: string,
  { idle, during, planTimes }: { idle: Latencies; during: Latencies; planTimes: number[] },
): BenchFigure[] {
  const figure = (name: string, kind: keyof Latencies): BenchFigure => {
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
      note: `${where}; ${ROUNDS} alternated rounds of ${WINDOW_MS} ms each side; ${during[kind].length} requests during, ${idle[kind].length} idle; p50 during ${percentile(during[kind], 0.5).toFixed(1)} ms, idle ${percentile(idle[kind], 0.5).toFixed(1)} ms; ${planTimes.length} plans computed, ${Math.round(percentile(planTimes, 0.5))} ms each (median)`,
    };
  };
  return [
    figure(`${prefix}.estimate_p99_during_1000_sku_plan`, 'estimates'),
    figure(`${prefix}.hold_p99_during_1000_sku_plan`, 'holds'),
  ];
}

/** A plan computed inline by the process that serves the request (201 with the plan). */
function inlinePlan(agent: http.Agent, base: string, info: ServerInfo) {
  return async () => {
    const res = await request(agent, base, 'POST', `/v1/drops/${info.dropId}/plans`, info.admin, { solver: 'fast' });
    if (res.status !== 201) throw new Error(`plan answered ${res.status}`);
    return res.ms;
  };
}

/** A plan queued with `Prefer: respond-async` (202 with a job), computed by a worker, polled until done. */
function queuedPlan(base: string, info: ServerInfo) {
  const headers = { authorization: `Bearer ${info.admin}` };
  return async () => {
    const started = performance.now();
    const res = await fetch(`${base}/v1/drops/${info.dropId}/plans`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ solver: 'fast' }),
    });
    if (res.status !== 202) throw new Error(`queued plan answered ${res.status}: ${await res.text()}`);
    const job = (await res.json()) as { id: string };
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const state = ((await (await fetch(`${base}/v1/jobs/${job.id}`, { headers })).json()) as { state: string }).state;
      if (state === 'succeeded') return performance.now() - started;
      if (state === 'failed' || state === 'cancelled') throw new Error(`plan job ${job.id} ${state}`);
    }
  };
}

export const resilienceBench: BenchModule = {
  id: 'resilience',
  async run(progress) {
    const results: BenchFigure[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      // 1. One process that serves and computes (ROLE=all; plans in a worker thread).
      const database = await freshBenchDatabase();
      progress('one process (ROLE=all): 1,000 SKUs × 10 hubs × 50 regions');
      const server = await startServer(database?.url, {});
      try {
        const { info } = server;
        results.push(
          ...figures(
            'resilience',
            `${info.engine}, one process serving and computing (plans in a worker thread)`,
            await latencyUnderPlans(agent, info, info.base, inlinePlan(agent, info.base, info), progress),
          ),
        );
      } finally {
        await server.stop();
        await database?.drop();
      }

      // 2. As deployed at scale: an API replica queues plans, a worker process computes them.
      const split = await freshBenchDatabase();
      if (!split) {
        progress('no PostgreSQL server: the API-replica + worker run is skipped');
        return results;
      }
      try {
        progress('API replica + worker (ROLE=api, ROLE=worker): seeding the same drop');
        const seeded = await startServer(split.url, { BENCH_SEED_ONLY: '1' });
        const info = seeded.info;
        await seeded.stop();
        const worker = await startServiceProcess({ databaseUrl: split.url, role: 'worker' });
        const api = await startServiceProcess({ databaseUrl: split.url, role: 'api' });
        try {
          results.push(
            ...figures(
              'resilience.api_replica',
              'postgres, an API replica while a worker process computes plans queued with Prefer: respond-async',
              await latencyUnderPlans(agent, info, api.base, queuedPlan(api.base, info), progress),
            ),
          );
        } finally {
          await api.stop();
          await worker.stop();
        }
      } finally {
        await split.drop();
      }
      return results;
    } finally {
      agent.destroy();
    }
  },
};
