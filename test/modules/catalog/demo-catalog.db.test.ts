import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DROP_ID, loadDemoCatalog } from '../../../src/modules/catalog/demo-catalog';
import type { Principal } from '../../../src/http/principal';
import { startTestApp, type TestApp } from '../../harness/test-app';

const admin: Principal = { keyId: 'test', role: 'admin' };
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(() => app.close());

describe('the demo catalog', () => {
  it('loads the catalog a newcomer sees: 12+ regions, 4 hubs of 2 partners, 2 suppliers, a drop of 3 SKUs', async () => {
    const { loaded } = await loadDemoCatalog(app.services.catalog, app.clock);
    expect(loaded).toBe(true);
    const { catalog } = app.services;
    const regions = await catalog.listRegions();
    expect(regions.length).toBeGreaterThanOrEqual(12);
    expect(regions.every((r) => r.postal_prefixes.length > 0 && r.time_zone.includes('/'))).toBe(true);
    const hubs = await catalog.listHubs(admin);
    expect(hubs).toHaveLength(4);
    expect(new Set(hubs.map((h) => h.operator_partner_id)).size).toBe(2);
    expect((await catalog.listSuppliers()).map((s) => s.kind).sort()).toEqual(['microfactory', 'offshore']);
    const drop = await catalog.getDrop(admin, DEMO_DROP_ID);
    expect(Date.parse(drop.opens_at)).toBeGreaterThan(app.clock.now().getTime());
    const skus = await catalog.listSkus(admin, DEMO_DROP_ID);
    expect(skus).toHaveLength(3);
    expect(skus.every((s) => s.sourcing[0]!.supplier_id === 'sup-microfactory')).toBe(true);
  });

  it('does nothing on a second start, keeping what users changed', async () => {
    await app.request('PUT', '/v1/creators/creator-nova', { body: { name: 'Renamed' } });
    expect((await loadDemoCatalog(app.services.catalog, app.clock)).loaded).toBe(false);
    expect((await app.request('GET', '/v1/creators/creator-nova')).body.name).toBe('Renamed');
  });
});
