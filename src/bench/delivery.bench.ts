import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import type { BenchFigure, BenchModule } from './bench-types';

/**
 * Delivery estimates and holds under load (issue 6). The service runs in a child process on a
 * fresh PostgreSQL database (PGlite when no server answers); autocannon drives it from this process.
 * The reference is a bare express "hello" route in the same child process, same connections.
 */
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);

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

interface ServerInfo {
  base: string;
  hello: string;
  key: string;
  skuId: string;
}

function startServer(databaseUrl: string | undefined): Promise<{ info: ServerInfo; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bench/delivery-bench-server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', DATA_DIR: `var/bench-${randomBytes(3).toString('hex')}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ info: JSON.parse(line) as ServerInfo, stop: () => child.kill('SIGTERM') }));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export const deliveryBench: BenchModule = {
  id: 'delivery',
  async run(progress) {
    const database = await freshDatabase();
    progress(`service on ${database.url ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, ${DURATION_S} s per run`);
    const { info, stop } = await startServer(database.url);
    try {
      const headers = { authorization: `Bearer ${info.key}` };
      const estimateUrl = `${info.base}/v1/estimates?sku_id=${info.skuId}&region_id=US-CA&quantity=1`;
      progress('warm-up');
      await load({ url: estimateUrl, headers, duration: 2 });
      await load({ url: info.hello, duration: 2 });
      progress('bare express hello (reference)');
      const hello = await load({ url: info.hello });
      progress('GET /v1/estimates');
      const estimates = await load({ url: estimateUrl, headers });
      if (estimates.non2xx > 0) throw new Error(`${estimates.non2xx} estimate responses were not 2xx`);
      const halfRate = Math.floor(estimates.requests.average / 2);
      progress(`GET /v1/estimates at half load (${halfRate} req/s)`);
      const half = await load({ url: estimateUrl, headers, overallRate: halfRate });

      progress('POST /v1/holds');
      const holds = await load({
        url: `${info.base}/v1/holds`,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ sku_id: info.skuId, region_id: 'US-CA', quantity: 1, hold_seconds: 900 }),
        duration: Math.max(4, Math.floor(DURATION_S / 2)),
      });
      const created = holds['2xx'];
      let oversold = 'not checked';
      if (database.url) {
        const c = new pg.Client({ connectionString: database.url });
        await c.connect();
        const { rows } = await c.query<{ held: number; placed: number; capacity: number }>(
          `select sum(s.held)::int as held, (select count(*)::int from reservation_holds where status = 'held') as placed,
             sum(case when s.received > 0 then s.received else s.planned end)::int as capacity
           from hub_stock s where s.sku_id = $1`,
          [info.skuId],
        );
        await c.end();
        const r = rows[0]!;
        oversold = r.held === r.placed && r.placed === created && r.held <= r.capacity ? 'no' : `YES (held ${r.held}, rows ${r.placed}, 201s ${created})`;
      }
      const ratio = estimates.requests.average / hello.requests.average;
      const figures: BenchFigure[] = [
        { name: 'delivery.hello_reference_rps', value: hello.requests.average, unit: 'req/s', note: `bare express, ${CONNECTIONS} connections` },
        {
          name: 'delivery.estimate_rps',
          value: estimates.requests.average,
          unit: 'req/s',
          reference: { name: 'bare express hello', value: hello.requests.average, unit: 'req/s' },
          ratio,
          target: '≥ 0.8 × hello',
          pass: ratio >= 0.8,
        },
        { name: 'delivery.estimate_latency_p50_full_load', value: estimates.latency.p50, unit: 'ms' },
        { name: 'delivery.estimate_latency_p99_full_load', value: estimates.latency.p99, unit: 'ms' },
        { name: 'delivery.estimate_latency_p50_half_load', value: half.latency.p50, unit: 'ms' },
        { name: 'delivery.estimate_latency_p99_half_load', value: half.latency.p99, unit: 'ms', target: '< 5 ms', pass: half.latency.p99 < 5 },
        {
          name: 'delivery.holds_per_second',
          value: holds.requests.average,
          unit: 'holds/s',
          target: '≥ 2000 with no oversell',
          pass: holds.requests.average >= 2000 && oversold === 'no',
          note: `${database.url ? 'PostgreSQL' : 'PGlite'}; oversold: ${oversold}; non-2xx ${holds.non2xx}`,
        },
      ];
      return figures;
    } finally {
      stop();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await database.drop();
    }
  },
};
