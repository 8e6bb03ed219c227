import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDatabase } from '../../src/db/postgres-database';
import { AppError } from '../../src/http/app-error';
import { createJobQueue, type Job } from '../../src/jobs/queue';
import { createLogger } from '../../src/shared/logger';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { serverUrl } from '../harness/test-database';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy';
import { answer, statusOf } from '../harness/answers';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Database faults on a real PostgreSQL (CI's PostgreSQL pass; skipped on the embedded database,
 * which has no connection to lose). The service sits behind a TCP proxy, so an outage is staged
 * without touching the shared server: cut = every connection dropped and new ones refused, as in
 * a restart or failover. Backends are terminated with pg_terminate_backend, as an operator, a
 * failover or idle_in_transaction_session_timeout would.
 *
 * Invariants: the process never dies of a lost connection; a lost connection fails only the
 * requests that used it; while the database is away writes answer 503 problem+json with
 * Retry-After, estimates keep answering from the last snapshot and /readyz says not ready; when it
 * is back, everything works again without a restart.
 */
const onPostgres = describe.skipIf(!serverUrl);

let app: TestApp;
let proxy: TcpProxy;
let tenant: Tenant;
let storefront: string;
let admin: pg.Client;

async function terminate(where: string, params: unknown[] = []): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and ${where}`,
    params,
  );
  for (const { pid } of rows) await admin.query('select pg_terminate_backend($1)', [pid]);
  return rows.length;
}

const estimate = () =>
  answer(
    app.client(storefront).GET('/v1/estimates', {
      params: { query: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]! } },
    }),
  );
const writeCreator = (name: string) =>
  answer(
    app.client().PUT('/v1/creators/{creatorId}', { params: { path: { creatorId: tenant.creatorId } }, body: { name } }),
  );

onPostgres('PostgreSQL faults', () => {
  beforeAll(async () => {
    app = await startTestApp({
      env: { DB_ACQUIRE_TIMEOUT_MS: '1000' },
      openDatabase: async (database) => {
        const url = new URL(database.url!);
        proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        url.port = String(proxy.port);
        return openPostgresDatabase(url.toString(), { acquireTimeoutMs: 1_000, onFault: () => undefined });
      },
    });
    tenant = await createTenant(app);
    storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    admin = new pg.Client({ connectionString: app.database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await proxy?.restore();
    await app?.close();
    await proxy?.close();
  });

  it('survives a backend terminated while idle in a transaction: only that work fails, with 503', async () => {
    const failed = app.services.db
      .transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
        pidInTransaction.resolve(rows[0]!.pid);
        await sleep(1_000);
        await tx.query('select 1');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const pid = await pidInTransaction.promise;
    await sleep(200);
    await admin.query('select pg_terminate_backend($1)', [pid]);
    const error = await failed;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    // The process lives on and the pool serves the next requests on fresh connections.
    expect(await statusOf(app.client(null).GET('/readyz'))).toBe(200);
    expect((await writeCreator('After a terminated transaction')).status).toBe(200);
  });

  it('answers reads and writes at once after every backend was terminated, its news arriving one connection at a time', async () => {
    // Several pooled connections, idle; each learns it is dead only when used (the late news a
    // loaded machine or a failover gives). Before: a read was retried once, on the next dead one.
    await Promise.all(Array.from({ length: 5 }, () => app.services.db.query('select pg_sleep(0.05)')));
    expect(await statusOf(app.client().GET('/v1/drops'))).toBe(200);
    proxy.holdServerNewsUntilUsed();
    const terminated = await terminate('true');
    expect(terminated).toBeGreaterThanOrEqual(5);
    const drops = await answer(app.client().GET('/v1/drops'));
    expect(drops.status, drops.text).toBe(200);
    // The other casualties are checked before they carry a write (or BEGIN moves to another).
    const write = await writeCreator('After every backend was terminated');
    expect(write.status, write.text).toBe(200);
    expect((await writeCreator('And again')).status).toBe(200);
  });

  it('survives every database backend being terminated mid-job: the tick completes, the next one runs', async () => {
    let runs = 0;
    const job: Job = {
      id: 'test.slow-job',
      schedule: '0 0 1 1 *',
      run: async () => {
        runs += 1;
        await sleep(1_500);
      },
    };
    const scheduler = createJobQueue(app.services.db, [job], createLogger('silent'), { workers: false });
    const tick = scheduler.runOnce(job.id);
    while (runs === 0) await sleep(20);
    expect(await terminate('true')).toBeGreaterThan(0);
    expect(await tick).toBe(true);
    expect(runs).toBe(1);
    expect(await scheduler.runOnce(job.id)).toBe(true);
    expect(runs).toBe(2);
    await scheduler.stop();
  });

  it('through an outage: writes 503 with Retry-After, estimates from the snapshot, /readyz not ready; recovers without restart', async () => {
    const before = await estimate();
    expect(before.status).toBe(200);
    const inFlight = app.services.db.query('select pg_sleep(3)').then(
      () => undefined,
      (error: unknown) => error,
    );
    await sleep(300);
    await proxy.cut();
    try {
      expect(await inFlight).toMatchObject({ code: 'unavailable', status: 503 });
      const write = await writeCreator('During the outage');
      expect(write.status, write.text).toBe(503);
      expect(write.headers.get('content-type')).toMatch(/problem\+json/);
      expect(write.headers.get('retry-after')).toBe('5');
      expect(write.error?.code).toBe('unavailable');
      const read = await answer(app.client().GET('/v1/drops'));
      expect(read.status).toBe(503);
      const ready = await answer(app.client(null).GET('/readyz'));
      expect(ready.status).toBe(503);
      // The key's last check is more than a moment old: estimates still answer from memory.
      await sleep(500);
      const during = await estimate();
      expect(during.status, during.text).toBe(200);
      expect(during.data).toEqual(before.data);
      expect(await statusOf(app.client(null).GET('/healthz'))).toBe(200);
    } finally {
      await proxy.restore();
    }
    let readyAfterMs = -1;
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      if ((await statusOf(app.client(null).GET('/readyz'))) === 200) {
        readyAfterMs = Date.now() - started;
        break;
      }
      await sleep(200);
    }
    expect(readyAfterMs).toBeGreaterThanOrEqual(0);
    expect((await writeCreator('After the outage')).status).toBe(200);
  });

  it('answers 503 when no connection is free within the acquire timeout, and on a statement timeout', async () => {
    const url = new URL(app.database.url!);
    const small = await openPostgresDatabase(url.toString(), {
      poolSize: 1,
      acquireTimeoutMs: 300,
      statementTimeoutMs: 500,
      onFault: () => undefined,
    });
    try {
      const holding = small.transaction(() => sleep(1_500));
      await sleep(100);
      const started = Date.now();
      await expect(small.query('select 1')).rejects.toMatchObject({ code: 'unavailable', status: 503 });
      expect(Date.now() - started).toBeLessThan(1_400);
      await holding;
      await expect(small.query('select pg_sleep(2)')).rejects.toMatchObject({
        code: 'unavailable',
        options: { extensions: { reason: 'database_timeout' } },
      });
      expect((await small.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
    } finally {
      await small.close();
    }
  });
});

const pidInTransaction = (() => {
  let resolve!: (pid: number) => void;
  const promise = new Promise<number>((r) => (resolve = r));
  return { promise, resolve };
})();
