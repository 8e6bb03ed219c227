import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { problemIn } from '../../harness/answers';

let app: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  app = await startTestApp({ env: { ESTIMATE_RATE_LIMIT_PER_MINUTE: '5' } });
  tenant = await createTenant(app);
  // The estimate snapshot picks the new catalog up on NOTIFY, a few milliseconds later.
  await eventually(() => app.services.snapshots.current().skus.has(tenant.skuId));
});
afterAll(() => app.close());

describe('estimate rate limit', () => {
  it('answers 429 problem+json with Retry-After once a key passes its limit', async () => {
    const path = `/v1/estimates?sku_id=${tenant.skuId}&region_id=${tenant.regionIds[0]}`;
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await app.rawRequest('GET', path)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await app.rawRequest('GET', path);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(problemIn(limited).code).toBe('rate_limited');
  });
});
