import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalsTenant, preorderRows, toNdjson, type SignalsTenant } from '../../factories/signals-factory';
import { rawRequest, trickle } from '../../harness/raw-http';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * On PostgreSQL a pre-order import COPYs each chunk inside one transaction while the body arrives,
 * so it holds a pooled connection: a client that pauses longer than IMPORT_STALL_TIMEOUT_MS gets
 * 408 problem+json, the transaction ends (nothing written) and the connection is free again. A
 * client that keeps sending, however slowly overall, is not cut off. (The embedded database stages
 * chunks and holds nothing while a body arrives, so there is no deadline to test there.)
 */
let app: TestApp;
let tenant: SignalsTenant;
beforeAll(async () => {
  app = await startTestApp({ env: { IMPORT_STALL_TIMEOUT_MS: '700' } });
  tenant = await createSignalsTenant(app);
});
afterAll(() => app?.close());

const upload = (prefix: string, pieces: number, pauseMs: number) =>
  rawRequest(app.baseUrl, {
    method: 'POST',
    path: `/v1/drops/${tenant.dropId}/preorders`,
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tenant.keys.storefront}` },
    body: trickle(toNdjson(preorderRows(tenant, 60, { prefix })), pieces, pauseMs),
  });

const openImportTransactions = async () =>
  Number(
    (
      await app.services.db.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
      )
    ).rows[0]!.n,
  );

describe.runIf(process.env.TEST_DATABASE_URL)('a stalled pre-order import on PostgreSQL', () => {
  it('answers 408 after a pause longer than the stall timeout, writes nothing and frees its connection', async () => {
    const stalled = await upload('stall', 3, 1_500);
    expect(stalled.status).toBe(408);
    expect(stalled.headers['content-type']).toMatch(/problem\+json/);
    expect(stalled.body).toMatchObject({ code: 'request_timeout', stall_timeout_ms: 700 });
    const first = await app.rawRequest('GET', `/v1/drops/${tenant.dropId}/preorders/stall-0`);
    expect(first.status).toBe(404);
    expect(await openImportTransactions()).toBe(0);
  });

  it('lets a slow but steady upload finish (each pause under the timeout)', async () => {
    const steady = await upload('steady', 6, 300);
    expect(steady.status, steady.text).toBe(200);
    expect(steady.body).toMatchObject({ rows: 60, created: 60 });
  });
});
