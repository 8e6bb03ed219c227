import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { DEMO_CATALOG_PATH, DEMO_DROP_ID, DEMO_PAST_DROP_ID, loadDemoCatalog } from '../../src/demo/demo-catalog';
import type { Principal } from '../../src/http/principal';
import { startTestApp, type TestApp } from '../harness/test-app';
import { answer } from '../harness/answers';

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
    expect((await catalog.listSuppliers({ limit: 500, after: null })).items.map((s) => s.kind).sort()).toEqual([
      'microfactory',
      'offshore',
    ]);
    const drop = await catalog.getDrop(admin, DEMO_DROP_ID);
    expect(Date.parse(drop.opens_at)).toBeGreaterThan(app.clock.now().getTime());
    const skus = await catalog.listSkus(admin, DEMO_DROP_ID);
    expect(skus).toHaveLength(3);
    expect(skus.every((s) => s.sourcing[0]!.supplier_id === 'sup-microfactory')).toBe(true);
  });

  it('places every region and hub on the map: coordinates for all of them', async () => {
    const { catalog } = app.services;
    for (const place of [...(await catalog.listRegions()), ...(await catalog.listHubs(admin))]) {
      expect(place.latitude, place.id).toEqual(expect.any(Number));
      expect(place.longitude, place.id).toEqual(expect.any(Number));
    }
  });

  it('does nothing on a second start, keeping what users changed', async () => {
    await answer(
      app.client().PUT('/v1/creators/{creatorId}', {
        params: { path: { creatorId: 'creator-nova' } },
        body: { name: 'Renamed' },
      }),
    );
    expect((await loadDemoCatalog(app.services.catalog, app.clock)).loaded).toBe(false);
    expect(
      (await answer(app.client().GET('/v1/creators/{creatorId}', { params: { path: { creatorId: 'creator-nova' } } })))
        .data!.name,
    ).toBe('Renamed');
  });
});

describe('the demo with its history (issue 19): a closed past drop with a report on first start', () => {
  let history: TestApp;
  beforeAll(async () => {
    history = await startTestApp({ now: '2026-11-23T09:00:00Z' });
    const { services } = history;
    const { loaded } = await loadDemoCatalog(services.catalog, history.clock, undefined, services.signals, {
      forecast: services.forecast,
      plannerAt: services.plannerAt,
      reports: services.reports,
    });
    expect(loaded).toBe(true);
  }, 240_000);
  afterAll(() => history.close());

  it('closes the past drop with a published plan made a week before it opened and a report of its real orders', async () => {
    const drop = await history.services.catalog.getDrop(admin, DEMO_PAST_DROP_ID);
    expect(drop.status).toBe('closed');
    expect(Date.parse(drop.closes_at)).toBeLessThan(history.clock.now().getTime());
    const weekBefore = new Date(Date.parse(drop.opens_at) - 7 * 86_400_000).toISOString();

    const forecasts = (
      await history.services.forecast.listForecasts(admin, DEMO_PAST_DROP_ID, { limit: 500, after: null })
    ).items;
    expect(forecasts.map((f) => f.as_of)).toEqual([weekBefore]);
    const plans = (
      await history.services.allocation.listPlans(admin, DEMO_PAST_DROP_ID, undefined, { limit: 500, after: null })
    ).items;
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ status: 'published', created_at: weekBefore, forecast_id: forecasts[0]!.id });
    // Planned before opening, the plan could order stock in time: it places units at hubs.
    expect(plans[0]!.totals.units_placed).toBeGreaterThan(0);

    const report = await history.services.reports.getReport(admin, DEMO_PAST_DROP_ID);
    expect(report.plan_id).toBe(plans[0]!.id);
    expect(report.forecast_id).toBe(forecasts[0]!.id);
    // Realised demand is the file's, region by region.
    const file = JSON.parse(fs.readFileSync('data/demo/past-drop-signals.json', 'utf8')) as {
      regions: Record<string, { demand: number[] }>;
    };
    const expected = Object.entries(file.regions).map(([region, r]) => [region, r.demand.reduce((a, b) => a + b, 0)]);
    expect(report.units_ordered).toBe(expected.reduce((a, [, units]) => a + (units as number), 0));
    expect(Object.fromEntries(report.regions.map((r) => [r.region_id, r.realised_units]))).toEqual(
      Object.fromEntries(expected),
    );
    // A story worth reading: some stock ran out, some was left over, the plan missed somewhere.
    expect(report.stock_outs.length).toBeGreaterThan(0);
    expect(Object.values(report.leftover_by_hub).some((units) => units > 0)).toBe(true);
    expect(report.top_misses.length).toBeGreaterThan(0);
    expect(report.fill_rate_within_promise).toBeGreaterThan(0);
    expect(report.fill_rate_within_promise).toBeLessThan(1);
  });

  it('keeps the upcoming demo drop ahead, and its creator now has a closed drop in the training history', async () => {
    const catalogFile = JSON.parse(fs.readFileSync(DEMO_CATALOG_PATH, 'utf8')) as { drops: { id: string }[] };
    expect(catalogFile.drops.map((d) => d.id)).toEqual([DEMO_DROP_ID, DEMO_PAST_DROP_ID]);
    const forecast = await history.services.forecast.runForecast(admin, DEMO_DROP_ID);
    expect(forecast.summary.creator_past_drops).toBe(1);
    expect(forecast.summary.total_mean).toBeGreaterThan(1000);
  });
});
