import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../factories/catalog-factory';
import { eventually } from '../factories/plan-publish-factory';
import { problemIn } from '../harness/answers';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * GET /v1/estimates runs as one handler ahead of the app's other layers (src/http/app.ts). Every
 * per-request layer must still apply to it: request id, metrics under its route template,
 * authentication (a key checked moments ago answers without waiting; an unknown key is 401),
 * undeclared query parameters refused, JSON headers and a body that matches its length.
 */
let app: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
  await eventually(() => app.services.snapshots.current().skus.has(tenant.skuId));
});
afterAll(() => app.close());

describe('the hot estimate route', () => {
  const path = () => `/v1/estimates?sku_id=${tenant.skuId}&region_id=${tenant.regionIds[0]}`;

  it('echoes the request id, sends JSON with its exact length, and is counted under its route', async () => {
    const first = await app.rawRequest('GET', path(), { headers: { 'x-request-id': 'hot-1' } });
    // The second answer comes from a key authenticated moments ago: the same-tick path.
    const again = await app.rawRequest('GET', path(), { headers: { 'x-request-id': 'hot-2' } });
    for (const [res, id] of [
      [first, 'hot-1'],
      [again, 'hot-2'],
    ] as const) {
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
      expect(JSON.parse(res.text)).toMatchObject({ sku_id: tenant.skuId, region_id: tenant.regionIds[0] });
    }
    expect(again.text).toBe(first.text);
    const metrics = await app.rawRequest('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/estimates",status="200"\} [1-9]/,
    );
  });

  it('refuses a missing or unknown key (401) and an undeclared parameter (400) as problems', async () => {
    const none = await app.rawRequest('GET', path(), { key: null, headers: { 'x-request-id': 'hot-3' } });
    expect(none.status).toBe(401);
    expect(problemIn(none)).toMatchObject({ code: 'unauthorized', request_id: 'hot-3' });
    const unknown = await app.rawRequest('GET', path(), { key: 'mf_storefront_not_a_real_key' });
    expect(unknown.status).toBe(401);
    const typo = await app.rawRequest('GET', `${path()}&quantiy=2`);
    expect(typo.status).toBe(400);
    expect(JSON.stringify(problemIn(typo))).toContain('quantiy');
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.rawRequest('HEAD', path());
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('answers alike when the request is answered directly and when it walks the router', async () => {
    // `/v1/estimates?…` is answered before the router (src/http/direct-routes.ts); a trailing slash
    // or another letter case walks the router to the same handler.
    const spellings = ['/v1/estimates', '/v1/estimates/', '/V1/Estimates'];
    const query = `?sku_id=${tenant.skuId}&region_id=${tenant.regionIds[0]}&quantity=2`;
    const answers = await Promise.all(spellings.map((p) => app.rawRequest('GET', `${p}${query}`)));
    for (const res of answers) expect(res.status).toBe(200);
    expect(new Set(answers.map((res) => res.text)).size).toBe(1);
    const bad = await Promise.all(
      spellings.map((p) =>
        app.rawRequest('GET', `${p}?sku_id=${tenant.skuId}&region_id=${tenant.regionIds[0]}&quantity=0`),
      ),
    );
    for (const res of bad) {
      expect(res.status).toBe(422);
      expect(problemIn(res)).toMatchObject({ code: 'unprocessable' });
    }
  });
});
