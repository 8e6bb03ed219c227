import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalsTenant, preorderRows, toNdjson, type SignalsTenant } from '../../factories/signals-factory';
import { rawRequest, trickle, type RawResponse } from '../../harness/raw-http';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

/**
 * Slow uploads do not hold the database hostage: an import holds a connection only while it
 * writes a chunk it has fully received, so while uploads trickle in, other requests (readiness,
 * reads, writes to the same table) answer at once, on PostgreSQL and on the embedded database
 * (whose single connection a held-open import transaction used to block). One key runs at most
 * IMPORTS_PER_KEY imports at once (429 beyond).
 */
let app: TestApp;
let tenant: SignalsTenant;
beforeAll(async () => {
  app = await startTestApp({ env: { IMPORTS_PER_KEY: '2' } });
  tenant = await createSignalsTenant(app);
});
afterAll(() => app.close());

function slowUpload(prefix: string, pieces: number, pauseMs: number): Promise<RawResponse> {
  return rawRequest(app.baseUrl, {
    method: 'POST',
    path: `/v1/drops/${tenant.dropId}/preorders`,
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tenant.keys.storefront}` },
    body: trickle(toNdjson(preorderRows(tenant, 300, { prefix })), pieces, pauseMs),
  });
}

async function timed(what: () => Promise<{ status: number }>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const { status } = await what();
  return { status, ms: performance.now() - started };
}

describe('slow uploads', () => {
  it('ten slow uploads from one key: two run, eight get 429, and everyone else is served meanwhile', async () => {
    const uploads = Array.from({ length: 10 }, (_, i) => slowUpload(`slow-${i}`, 30, 100));
    const settled = Promise.all(uploads);
    // While the uploads trickle (≈3 s), other requests answer promptly.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const during = [
      await timed(() => answer(app.client(null).GET('/readyz'))),
      await timed(() => answer(app.client().GET('/v1/drops'))),
      await timed(() =>
        answer(
          app.client(tenant.keys.storefront).PUT('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: tenant.dropId, preorderId: 'during-upload' } },
            body: (({ id: _id, ...row }) => row)(preorderRows(tenant, 1)[0]!),
          }),
        ),
      ),
      await timed(() =>
        answer(
          app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: tenant.dropId, preorderId: 'during-upload' } },
          }),
        ),
      ),
    ];
    const results = await settled;
    expect(during.map((r) => r.status)).toEqual([200, 200, 201, 200]);
    for (const r of during) expect(r.ms).toBeLessThan(1_500);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    for (const refused of results.filter((r) => r.status === 429)) {
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.headers['retry-after']).toBeDefined();
    }
    for (const done of results.filter((r) => r.status === 200)) expect(done.body).toMatchObject({ rows: 300 });
  });

  it('an upload cut off midway writes nothing and leaves no staged rows behind', async () => {
    const body = toNdjson(preorderRows(tenant, 30_000, { prefix: 'cut' }));
    const half = Buffer.from(body).subarray(0, Math.floor(body.length / 2));
    await new Promise<void>((resolve) => {
      void rawRequest(app.baseUrl, {
        method: 'POST',
        path: `/v1/drops/${tenant.dropId}/preorders`,
        headers: {
          'content-type': 'application/x-ndjson',
          'content-length': String(body.length),
          authorization: `Bearer ${tenant.keys.storefront}`,
        },
        body: (async function* () {
          yield half;
          await new Promise((r) => setTimeout(r, 500));
          resolve();
          throw new Error('client gives up');
        })(),
      }).catch(() => undefined);
    });
    let staged = -1;
    for (let attempt = 0; attempt < 50 && staged !== 0; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      staged = Number(
        (await app.services.db.query<{ n: number }>('select count(*) as n from import_chunks')).rows[0]!.n,
      );
    }
    expect(staged).toBe(0);
    const first = await answer(
      app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: 'cut-0' } },
      }),
    );
    expect(first.status).toBe(404);
  });
});
