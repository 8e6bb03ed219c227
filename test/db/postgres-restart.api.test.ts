import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
import { openPostgresDatabase } from '../../src/db/postgres-database';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { eventually } from '../factories/plan-publish-factory';
import { findPostgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../harness/private-postgres';
import { serverUrl } from '../harness/test-database';
import { answer, statusOf } from '../harness/answers';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * A real PostgreSQL server restarted under the service (CI's PostgreSQL pass, where the server's
 * binaries are installed). The service runs on a server of this test's own, so stopping it
 * disturbs no other test: a clean shutdown (`pg_ctl stop -m fast`, as a restart or a failover
 * does: every session ends with "terminating connection due to administrator command") and a
 * crash (`-m immediate`, then crash recovery on start).
 *
 * Invariants: the process lives through it; while the server is down writes answer 503
 * problem+json with Retry-After, /readyz says not ready, estimates answer from the last snapshot;
 * once the server is back the service serves writes again without a restart, and nothing written
 * before the restart is lost.
 */
const bin = findPostgresBinaries();
const onPostgres = describe.skipIf(!serverUrl || !bin);

let server: PrivatePostgres;
let app: TestApp;
let tenant: Tenant;
let storefront: string;

const estimate = () =>
  answer(
    app.client(storefront).GET('/v1/estimates', {
      params: { query: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]! } },
    }),
  );
const renameCreator = (name: string) =>
  answer(
    app.client().PUT('/v1/creators/{creatorId}', { params: { path: { creatorId: tenant.creatorId } }, body: { name } }),
  );

async function readyWithin(ms: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await statusOf(app.client(null).GET('/readyz'))) === 200) return true;
    await sleep(200);
  }
  return false;
}

async function whileDown(before: Awaited<ReturnType<typeof estimate>>): Promise<void> {
  const write = await renameCreator('While the server is down');
  expect(write.status, write.text).toBe(503);
  expect(write.headers.get('content-type')).toMatch(/problem\+json/);
  expect(write.headers.get('retry-after')).not.toBeNull();
  expect(await statusOf(app.client(null).GET('/readyz'))).toBe(503);
  expect(await statusOf(app.client(null).GET('/healthz'))).toBe(200);
  // The storefront key was checked a moment ago: estimates keep answering from memory.
  await sleep(500);
  const during = await estimate();
  expect(during.status, during.text).toBe(200);
  expect(during.data).toEqual(before.data);
}

onPostgres('a real PostgreSQL server restarted under the service', () => {
  beforeAll(async () => {
    server = await startPrivatePostgres(bin!);
    app = await startTestApp({
      env: { DB_ACQUIRE_TIMEOUT_MS: '1000' },
      openDatabase: async () => {
        const db = await openPostgresDatabase(server.url, { acquireTimeoutMs: 1_000, onFault: () => undefined });
        await migrate(db);
        return db;
      },
    });
    tenant = await createTenant(app);
    storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    // Estimates answer from the in-memory snapshot, which the change feed refreshes.
    await eventually(async () => (await estimate()).status === 200, 10_000);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await server?.destroy();
  });

  it('a clean restart (stop -m fast, start): 503 while down, serving again without a restart of the service', async () => {
    expect((await renameCreator('Before the restart')).status).toBe(200);
    const before = await estimate();
    expect(before.status).toBe(200);
    await server.stop('fast');
    try {
      await whileDown(before);
    } finally {
      await server.start();
    }
    expect(await readyWithin(20_000)).toBe(true);
    const after = await renameCreator('After the restart');
    expect(after.status, after.text).toBe(200);
    expect((await estimate()).status).toBe(200);
  });

  it('a crash (stop -m immediate) and crash recovery: nothing committed before it is lost', async () => {
    expect((await renameCreator('Committed before the crash')).status).toBe(200);
    const before = await estimate();
    expect(before.status).toBe(200);
    // The change feed reconnected after the first restart (it retries every second), by now for
    // sure: a reconnection must not make the replica forget the keys it knew, or the next outage
    // would turn every storefront's estimate into a 503.
    await sleep(3_000);
    await server.stop('immediate');
    try {
      await whileDown(before);
    } finally {
      await server.start();
    }
    expect(await readyWithin(20_000)).toBe(true);
    const creator = await answer(
      app.client().GET('/v1/creators/{creatorId}', { params: { path: { creatorId: tenant.creatorId } } }),
    );
    expect(creator.status, creator.text).toBe(200);
    expect(creator.data?.name).toBe('Committed before the crash');
  });
});
