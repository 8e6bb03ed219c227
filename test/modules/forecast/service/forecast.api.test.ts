import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../../src/http/contract';
import { FEATURE_NAMES } from '../../../../src/modules/forecast/core/features';
import { QUANTILE_LEVELS } from '../../../../src/modules/forecast/core/forecast-types';
import { SHIPPED_MODEL_ID } from '../../../../src/modules/forecast/core/model-registry';
import { createTenant, freshId, dropBody } from '../../../factories/catalog-factory';
import {
  createForecastTenant,
  expectWellFormedCells,
  seedSignals,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';
import { answer, problemIn } from '../../../harness/answers';

type Forecast = ResponseBody<'runForecast', 201>;
type Versions = ResponseBody<'listForecasts', 200>;

let app: TestApp;
let tenant: ForecastTenant;
let other: ForecastTenant;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createForecastTenant(app);
  other = await createForecastTenant(app);
  await seedSignals(app, tenant);
});
afterAll(() => app.close());

describe('POST /v1/drops/{dropId}/forecasts', () => {
  it('runs a forecast, stores it and answers every SKU × region cell', async () => {
    const res = await answer(
      app
        .client(tenant.keys.creator)
        .POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }),
    );
    expect(res.status, res.text).toBe(201);
    const forecast = res.data as Forecast;
    expect(res.headers.get('location')).toBe(`/v1/forecasts/${forecast.id}`);
    expect(forecast).toMatchObject({
      drop_id: tenant.dropId,
      prior_only: false,
      model_kind: 'nb-mlp',
      model_id: SHIPPED_MODEL_ID,
      quantile_levels: [...QUANTILE_LEVELS],
    });
    expect(forecast.lead_days).toBeCloseTo(
      (Date.parse('2026-12-03T17:00:00Z') - Date.parse('2026-11-23T12:00:00Z')) / 86_400_000,
      5,
    );
    expect(forecast.as_of).toBe('2026-11-23T12:00:00.000Z');
    expect(forecast.cells.map((c) => `${c.region_id}|${c.sku_id}`)).toEqual(
      [...tenant.regionIds].sort().flatMap((r) => tenant.skuIds.map((s) => `${r}|${s}`)),
    );
    expectWellFormedCells(forecast.cells);
    expect(Object.keys(forecast.cells[0]!.features)).toEqual([...FEATURE_NAMES]);
    expect(forecast.summary).toMatchObject({
      cells: 4,
      skus: 2,
      regions: 2,
      preorders: 10,
      model_role: 'default',
      fallback_reason: null,
    });
  });

  it('never forecasts below the pre-orders already placed (cancelled ones excluded)', async () => {
    const forecast = (
      await answer(app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data as Forecast;
    const [r0, r1] = tenant.regionIds as [string, string];
    const [s0, s1] = tenant.skuIds as [string, string];
    const cell = (r: string, s: string) => forecast.cells.find((c) => c.region_id === r && c.sku_id === s)!;
    expect(cell(r0, s0).quantiles[0]).toBeGreaterThanOrEqual(8);
    expect(cell(r0, s0).features.log_preorders_cell).toBeCloseTo(Math.log1p(8), 5);
    expect(cell(r0, s0).features.log_velocity_cell).toBeCloseTo(Math.log1p(3), 5);
    expect(cell(r1, s1).quantiles[0]).toBeGreaterThanOrEqual(2);
    expect(cell(r0, s1).features.log_preorders_cell).toBe(0);
    // NB parameters for the allocator: with no pre-order the cell is the model's NB(μ, α), α > 0
    expect(cell(r0, s1).dispersion).toBeGreaterThan(0);
    // latest readings at or before as-of: views 2500 (not 1000 + 2500), 12 holders
    expect(cell(r0, s0).features.social_tiktok_views).toBeCloseTo(Math.log1p(2500), 5);
    expect(cell(r0, s0).features.log_holders_region).toBeCloseTo(Math.log1p(12), 5);
  });

  it('numbers versions 1, 2, 3 … per drop and lists them newest first', async () => {
    const before = (
      (await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } })))
        .data as Versions
    ).items.length;
    const a = (
      await answer(app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data as Forecast;
    const b = (
      await answer(app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data as Forecast;
    expect(b.version).toBe(a.version + 1);
    const list = (
      await answer(
        app
          .client(tenant.keys.creator)
          .GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }),
      )
    ).data as Versions;
    expect(list.items).toHaveLength(before + 2);
    expect(list.items.map((v) => v.version)).toEqual(list.items.map((_, i) => list.items.length - i));
    expect(list.items[0]).not.toHaveProperty('cells');
    const latest = await answer(
      app
        .client(tenant.keys.creator)
        .GET('/v1/drops/{dropId}/forecasts/latest', { params: { path: { dropId: tenant.dropId } } }),
    );
    expect(latest.data!.id).toBe(b.id);
  });

  it('labels a forecast for a drop with no signals prior_only', async () => {
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: other.dropId } } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.data!.prior_only).toBe(true);
    expect(res.data!.version).toBe(1);
    expectWellFormedCells(res.data!.cells);
  });

  it('answers 422 no_skus for a drop without SKUs', async () => {
    const bare = freshId('drop');
    const put = await answer(
      app.client().PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: bare } },
        body: dropBody(tenant.creatorId, tenant.regionIds),
      }),
    );
    expect(put.status).toBe(201);
    const res = await answer(
      app.client(tenant.keys.creator).POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: bare } } }),
    );
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'unprocessable', reason: 'no_skus' });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 404 for an unknown drop', async () => {
    expect(
      (
        await answer(
          app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: 'no-such-drop' } } }),
        )
      ).status,
    ).toBe(404);
  });
});

describe('GET /v1/forecasts/{forecastId}', () => {
  it('reads a stored forecast back whole, then per region, per SKU and per cell', async () => {
    const run = (
      await answer(app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data as Forecast;
    const whole = await answer(
      app.client(tenant.keys.creator).GET('/v1/forecasts/{forecastId}', { params: { path: { forecastId: run.id } } }),
    );
    expect(whole.status).toBe(200);
    expect(whole.data).toEqual(run);

    const region = tenant.regionIds[1]!;
    const sku = tenant.skuIds[0]!;
    const byRegion = (
      await answer(
        app.client().GET('/v1/forecasts/{forecastId}', {
          params: { path: { forecastId: run.id }, query: { region_id: region } },
        }),
      )
    ).data as Forecast;
    expect(byRegion.cells).toEqual(run.cells.filter((c) => c.region_id === region));
    const bySku = (
      await answer(
        app
          .client()
          .GET('/v1/forecasts/{forecastId}', { params: { path: { forecastId: run.id }, query: { sku_id: sku } } }),
      )
    ).data as Forecast;
    expect(bySku.cells).toEqual(run.cells.filter((c) => c.sku_id === sku));
    const one = (
      await answer(
        app.client().GET('/v1/drops/{dropId}/forecasts/latest', {
          params: { path: { dropId: tenant.dropId }, query: { region_id: region, sku_id: sku } },
        }),
      )
    ).data as Forecast;
    expect(one.cells).toEqual(run.cells.filter((c) => c.sku_id === sku && c.region_id === region));
  });

  it('refuses an unknown query parameter with 400', async () => {
    const run = (
      await answer(
        app.client().GET('/v1/drops/{dropId}/forecasts/latest', { params: { path: { dropId: tenant.dropId } } }),
      )
    ).data as Forecast;
    // A query parameter the contract does not have, sent raw.
    const res = await app.rawRequest('GET', `/v1/forecasts/${run.id}?region=x`);
    expect(res.status).toBe(400);
    expect(problemIn(res).code).toBe('validation_failed');
  });

  it('answers 404 for latest when a drop has no forecast yet', async () => {
    const fresh = await createTenant(app);
    const res = await answer(
      app.client().GET('/v1/drops/{dropId}/forecasts/latest', { params: { path: { dropId: fresh.dropId } } }),
    );
    expect(res.status).toBe(404);
  });
});

describe('who may see forecasts', () => {
  it("answers 404 to another creator's key, on the drop and on the forecast id", async () => {
    const run = (
      await answer(app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data as Forecast;
    for (const [method, path] of [
      ['POST', `/v1/drops/${tenant.dropId}/forecasts`],
      ['GET', `/v1/drops/${tenant.dropId}/forecasts`],
      ['GET', `/v1/drops/${tenant.dropId}/forecasts/latest`],
      ['GET', `/v1/forecasts/${run.id}`],
    ] as const) {
      const res = await app.rawRequest(method, path, { key: other.keys.creator });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(problemIn(res).code).toBe('not_found');
    }
  });

  it('answers 404 to storefront and partner keys, even on their own drop', async () => {
    for (const key of [tenant.keys.storefront, tenant.keys.partner]) {
      expect(
        (
          await answer(
            app.client(key).POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }),
          )
        ).status,
      ).toBe(404);
      expect(
        (
          await answer(
            app.client(key).GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }),
          )
        ).status,
      ).toBe(404);
    }
  });

  it('answers 401 without a key', async () => {
    expect(
      (
        await answer(
          app.client(null).GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }),
        )
      ).status,
    ).toBe(401);
  });
});
