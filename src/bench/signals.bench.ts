/**
 * Signals bench: a 1,000,000-row NDJSON pre-order import over HTTP into PostgreSQL, end to end,
 * against PostgreSQL's own COPY of the same rows in the same database (the reference), and how
 * much the service's RSS grows during the import.
 *
 * The service runs in its own process as deployed (startServiceProcess: `src/main.ts`, ROLE=all,
 * the service's Node.js flags) on a fresh database created on BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards. RSS growth: VmHWM from /proc/<pid>/status, reset (clear_refs) just before the import,
 * minus the RSS then. The NDJSON body is generated before the clock starts, so the bench's own CPU
 * does not compete with the service while it is measured (the machine has 2 cores). Import and
 * reference alternate SIGNALS_BENCH_ROUNDS times (default 2); SIGNALS_BENCH_ROWS sets the row count.
 */
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { createServices } from '../services';
import { createLogger } from '../shared/logger';
import type { BenchFigure, BenchModule } from './bench-types';
import { requireBenchDatabase, startServiceProcess, type ServiceProcess } from './service-process';

const ROWS = Number(process.env.SIGNALS_BENCH_ROWS ?? 1_000_000);
const REGIONS = 20;
const SKUS = 5;
const LINES_PER_CHUNK = 2_000;
/** Import and reference alternate this many times; the best of each counts. */
const ROUNDS = Number(process.env.SIGNALS_BENCH_ROUNDS ?? 2);

interface GeneratedRow {
  id: string;
  sku_id: string;
  quantity: number;
  region_id: string;
  postal_code: string;
  placed_at: string;
}

function generateRow(i: number, base: number): GeneratedRow {
  const region = i % REGIONS;
  return {
    id: `po-${i}`,
    sku_id: `bench-sku-${i % SKUS}`,
    quantity: 1 + (i % 4),
    region_id: `BENCH-R${region}`,
    // One row in five names a postal code instead, exercising the longest-prefix mapping.
    postal_code: `B${String(region).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`,
    placed_at: new Date(base - (i % 604_800) * 1000).toISOString(),
  };
}

function ndjsonChunks(base: number): Buffer[] {
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const r = generateRow(i, base);
    const place = i % 5 === 0 ? `"postal_code":"${r.postal_code}"` : `"region_id":"${r.region_id}"`;
    lines.push(
      `{"id":"${r.id}","sku_id":"${r.sku_id}","quantity":${r.quantity},${place},"placed_at":"${r.placed_at}","status":"placed"}`,
    );
    if (lines.length === LINES_PER_CHUNK) {
      chunks.push(Buffer.from(`${lines.join('\n')}\n`));
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(Buffer.from(`${lines.join('\n')}\n`));
  return chunks;
}

function copyCsvChunks(base: number, dropId: string): Buffer[] {
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const r = generateRow(i, base);
    lines.push(`${dropId},${r.id},${r.sku_id},${r.region_id},${r.quantity},${r.placed_at},placed`);
    if (lines.length === LINES_PER_CHUNK) {
      chunks.push(Buffer.from(`${lines.join('\n')}\n`));
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(Buffer.from(`${lines.join('\n')}\n`));
  return chunks;
}

function currentRssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

async function truncatePreorders(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('truncate preorders');
  await client.query('checkpoint');
  await client.end();
}

/** Resets VmHWM to the current RSS (Linux clear_refs "5"); false where the kernel refuses. */
function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Migrates the fresh database and makes the admin key the bench seeds and imports with. */
async function createAdminKey(databaseUrl: string): Promise<string> {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', SCHEDULER: 'off' });
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const services = createServices({ db, config, logger: createLogger('silent') });
    return (await services.keys.createApiKey({ role: 'admin', label: 'bench' })).key;
  } finally {
    await db.close();
  }
}

async function api(base: string, key: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

async function seedCatalog(base: string, key: string, dropIds: string[]) {
  await api(base, key, 'PUT', '/v1/creators/bench-creator', { name: 'Bench creator' });
  for (let r = 0; r < REGIONS; r++) {
    await api(base, key, 'PUT', `/v1/regions/BENCH-R${r}`, {
      name: `Region ${r}`,
      time_zone: 'Europe/London',
      postal_prefixes: [`B${String(r).padStart(2, '0')}`],
    });
  }
  await api(base, key, 'PUT', '/v1/suppliers/bench-supplier', {
    name: 'Factory',
    kind: 'microfactory',
    lead_time_days_min: 1,
    lead_time_days_max: 2,
    capacity_units: 1_000_000,
    unit_cost: 5,
  });
  for (const dropId of dropIds) {
    await api(base, key, 'PUT', `/v1/drops/${dropId}`, {
      creator_id: 'bench-creator',
      name: 'Bench drop',
      opens_at: '2030-01-01T00:00:00Z',
      closes_at: '2030-01-02T00:00:00Z',
      promise_business_days: 2,
      baseline: { source: 'central warehouse', paths: [] },
    });
    for (let s = 0; s < SKUS; s++) {
      const skuId = `bench-sku-${s}`;
      await api(base, key, 'PUT', `/v1/drops/${dropId}/skus/${skuId}`, {
        name: `SKU ${s}`,
        price: 30,
        unit_cost: 10,
        sourcing: [{ supplier_id: 'bench-supplier', units_available: 1_000_000, available_on: '2029-12-01' }],
      });
    }
  }
}

async function postNdjson(url: string, key: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    pipeline(Readable.from(chunks), req).catch(reject);
  });
}

async function copyRate(databaseUrl: string, chunks: Buffer[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('begin');
    const stream = client.query(
      copyFrom(
        'copy preorders (drop_id, id, sku_id, region_id, quantity, placed_at, status) from stdin with (format csv)',
      ),
    );
    await pipeline(Readable.from(chunks), stream);
    await client.query('commit');
    return ROWS / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

export const signalsBench: BenchModule = {
  id: 'signals',
  async run(progress) {
    const database = await requireBenchDatabase('signals');
    const { name, url: databaseUrl } = database;
    let service: ServiceProcess | undefined;
    try {
      progress(`fresh database ${name}; starting the service`);
      const adminKey = await createAdminKey(databaseUrl);
      service = await startServiceProcess({
        databaseUrl,
        role: 'all',
        env: { SCHEDULER: 'off' },
        nodeFlags: (process.env.SIGNALS_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      });
      const child = service.child;
      await seedCatalog(service.base, adminKey, ['bench-drop']);
      const base = Date.now() - 86_400_000;

      progress(`generating ${ROWS.toLocaleString('en')} NDJSON rows and the same rows as CSV`);
      const chunks = ndjsonChunks(base);
      const csv = copyCsvChunks(base, 'bench-drop');
      const bytes = chunks.reduce((a, c) => a + c.length, 0);

      // Rounds alternate the import and the reference, each from the same state (an empty table
      // after a checkpoint), and the best of each counts: on a shared machine a burst of other
      // work then slows one round, not one side.
      let seconds = Number.POSITIVE_INFINITY;
      let copyRowsPerSecond = 0;
      let growth = 0;
      let rss = 0;
      let idleRss = 0;
      let hwmReset = false;
      for (let round = 1; round <= ROUNDS; round++) {
        await truncatePreorders(databaseUrl);
        idleRss = currentRssMb(child.pid!);
        // Reset the high-water mark to the current RSS, so the peak read afterwards is the import's.
        hwmReset = resetPeakRss(child.pid!);
        progress(
          `round ${round}: streaming ${(bytes / 1e6).toFixed(0)} MB over HTTP (service RSS ${idleRss.toFixed(0)} MB)`,
        );
        const started = performance.now();
        const res = await postNdjson(`${service.base}/v1/drops/bench-drop/preorders`, adminKey, chunks);
        const took = (performance.now() - started) / 1000;
        if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
        const counts = JSON.parse(res.body) as { rows: number; created: number };
        if (counts.created !== ROWS) throw new Error(`expected ${ROWS} created, got ${res.body}`);
        const peak = peakRssMb(child.pid!);
        rss = Math.max(rss, peak);
        growth = Math.max(growth, peak - idleRss);
        seconds = Math.min(seconds, took);

        progress(`round ${round}: reference, PostgreSQL COPY of the same rows into the emptied table`);
        await truncatePreorders(databaseUrl);
        const copied = await copyRate(databaseUrl, csv);
        copyRowsPerSecond = Math.max(copyRowsPerSecond, copied);
        progress(
          `round ${round}: import ${took.toFixed(2)} s (${Math.round(ROWS / took)} rows/s), COPY ${Math.round(copied)} rows/s, peak RSS ${peak.toFixed(0)} MB (+${(peak - idleRss).toFixed(0)} MB)`,
        );
      }
      const rate = ROWS / seconds;
      const ratio = rate / copyRowsPerSecond;

      const figures: BenchFigure[] = [
        {
          name: 'signals.preorder_ndjson_import_1m',
          value: Math.round(rate),
          unit: 'rows/s',
          reference: {
            name: 'postgres COPY (same rows, same empty table)',
            value: Math.round(copyRowsPerSecond),
            unit: 'rows/s',
          },
          ratio: Number(ratio.toFixed(3)),
          target: 'ratio >= 0.7',
          pass: ratio >= 0.7,
          note: `${ROWS} rows, ${(bytes / 1e6).toFixed(0)} MB NDJSON over HTTP in ${seconds.toFixed(2)} s, one transaction, 20% postal codes; best of ${ROUNDS} alternated rounds each`,
        },
        {
          name: 'signals.preorder_import_vs_copy',
          value: Number(ratio.toFixed(3)),
          unit: 'ratio',
          target: '>= 0.7',
          pass: ratio >= 0.7,
          note: 'import rows/s ÷ COPY rows/s',
        },
        {
          name: 'signals.import_rss_growth',
          value: Number(growth.toFixed(1)),
          unit: 'MB',
          target: '< 100 MB',
          pass: growth < 100,
          note: hwmReset
            ? `peak RSS during the import (VmHWM reset just before it) minus the ${idleRss.toFixed(0)} MB before it`
            : `VmHWM could not be reset: whole-life peak minus the ${idleRss.toFixed(0)} MB before the import`,
        },
        {
          name: 'signals.import_peak_rss',
          value: Number(rss.toFixed(1)),
          unit: 'MB',
          note: `VmHWM of the service process during the import; ${idleRss.toFixed(0)} MB before it`,
        },
      ];
      return figures;
    } finally {
      if (service && service.child.exitCode === null) {
        const stopped = service.stop();
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 500))]);
        if (service.child.exitCode === null) service.child.kill('SIGKILL');
        await stopped;
      }
      await database.drop();
    }
  },
};
