import { randomBytes } from 'node:crypto';
import type { ResponseBody } from '../../src/http/contract';
import { answer } from '../harness/answers';
import type { TestApp } from '../harness/test-app';
import { createKey, createTenant, dropBody, freshId, upserted, type Tenant } from './catalog-factory';

export interface ForecastCellInput {
  sku_id: string;
  region_id: string;
  mean: number;
  dispersion?: number;
}

/** A stored forecast for a drop (written directly: the plan service only reads forecasts). */
/** The summary a stored forecast carries, in the contract's shape, for cells written by hand. */
function forecastSummaryOf(cells: ForecastCellInput[]) {
  return {
    cells: cells.length,
    skus: new Set(cells.map((c) => c.sku_id)).size,
    regions: new Set(cells.map((c) => c.region_id)).size,
    total_mean: cells.reduce((sum, c) => sum + c.mean, 0),
    preorders: 0,
    model_role: 'default',
    model_dir: 'models/test-model',
    fallback_reason: null,
    creator_past_drops: 0,
  };
}

export async function createForecast(app: TestApp, dropId: string, cells: ForecastCellInput[]): Promise<string> {
  const id = `fc-${randomBytes(5).toString('hex')}`;
  const db = app.services.db;
  const { rows } = await db.query<{ v: number }>(
    'select coalesce(max(version), 0) + 1 as v from forecasts where drop_id = $1',
    [dropId],
  );
  await db.query(
    `insert into forecasts (id, drop_id, version, model_id, model_kind, prior_only, lead_days, as_of, summary) values ($1, $2, $3, 'test-model', 'test', false, 10, now(), $4)`,
    [id, dropId, rows[0]!.v, forecastSummaryOf(cells)],
  );
  for (const c of cells) {
    await db.query(
      'insert into forecast_cells (forecast_id, sku_id, region_id, mean, dispersion, quantiles) values ($1, $2, $3, $4, $5, $6::float8[])',
      [
        id,
        c.sku_id,
        c.region_id,
        c.mean,
        c.dispersion ?? 0.2,
        [0, 0, 0, Math.round(c.mean), c.mean * 2, c.mean * 3, c.mean * 3],
      ],
    );
  }
  return id;
}

/**
 * A drop ready to plan: the tenant's hub A (partner A) serves region 0 within the 2-day promise;
 * hub B (partner B, capacity 40) serves region 1; region 2 has demand but no hub reaches it.
 * Two SKUs: `skuId` from a fast primary (100 units) with a dearer fallback (200 units), and a
 * second SKU from the primary only. Clock: 2026-11-23, drop opens 2026-12-03.
 */
export interface PlanningScenario extends Tenant {
  hubBId: string;
  partnerBId: string;
  fallbackSupplierId: string;
  secondSkuId: string;
  unreachableRegionId: string;
  forecastId: string;
  creatorKey: string;
  partnerKey: string;
  partnerBKey: string;
}

export async function createPlanningScenario(app: TestApp): Promise<PlanningScenario> {
  const tenant = await createTenant(app);
  const partnerBId = freshId('partner');
  const hubBId = freshId('hub');
  const fallbackSupplierId = freshId('supplier');
  const secondSkuId = freshId('sku');
  const unreachableRegionId = freshId('region');
  const [region0, region1] = tenant.regionIds as [string, string];
  const api = app.client();
  await upserted(
    api.PUT('/v1/regions/{regionId}', {
      params: { path: { regionId: unreachableRegionId } },
      body: { name: 'Far away', time_zone: 'Europe/Paris' },
    }),
  );
  await upserted(
    api.PUT('/v1/partners/{partnerId}', { params: { path: { partnerId: partnerBId } }, body: { name: 'Partner B' } }),
  );
  await upserted(
    api.PUT('/v1/hubs/{hubId}', {
      params: { path: { hubId: tenant.hubId } },
      body: {
        name: 'Hub A',
        operator_partner_id: tenant.partnerId,
        capacity_units: 500,
        time_zone: 'America/New_York',
        order_cutoff_local: '15:00',
        handling_days: 0,
        lanes: [
          { region_id: region0, transit_days_min: 1, transit_days_max: 2 },
          { region_id: region1, transit_days_min: 3, transit_days_max: 4 },
        ],
      },
    }),
  );
  await upserted(
    api.PUT('/v1/hubs/{hubId}', {
      params: { path: { hubId: hubBId } },
      body: {
        name: 'Hub B',
        operator_partner_id: partnerBId,
        capacity_units: 40,
        time_zone: 'America/Chicago',
        order_cutoff_local: '14:00',
        handling_days: 1,
        lanes: [{ region_id: region1, transit_days_min: 0, transit_days_max: 1 }],
      },
    }),
  );
  await upserted(
    api.PUT('/v1/suppliers/{supplierId}', {
      params: { path: { supplierId: tenant.supplierId } },
      body: {
        name: 'Fast microfactory',
        kind: 'microfactory',
        lead_time_days_min: 1,
        lead_time_days_max: 2,
        capacity_units: 1000,
        unit_cost: 20,
        min_order_units: 1,
        order_multiple: 1,
      },
    }),
  );
  await upserted(
    api.PUT('/v1/suppliers/{supplierId}', {
      params: { path: { supplierId: fallbackSupplierId } },
      body: {
        name: 'Warehouse fallback',
        kind: 'warehouse',
        lead_time_days_min: 2,
        lead_time_days_max: 3,
        capacity_units: 1000,
        unit_cost: 24,
        min_order_units: 5,
        order_multiple: 5,
      },
    }),
  );
  await upserted(
    api.PUT('/v1/drops/{dropId}/skus/{skuId}', {
      params: { path: { dropId: tenant.dropId, skuId: tenant.skuId } },
      body: {
        name: 'Hoodie',
        price: 60,
        unit_cost: 20,
        sourcing: [
          { supplier_id: tenant.supplierId, units_available: 100, available_on: '2026-11-25' },
          { supplier_id: fallbackSupplierId, units_available: 200, available_on: '2026-11-25' },
        ],
      },
    }),
  );
  await upserted(
    api.PUT('/v1/drops/{dropId}/skus/{skuId}', {
      params: { path: { dropId: tenant.dropId, skuId: secondSkuId } },
      body: {
        name: 'Cap',
        price: 25,
        unit_cost: 8,
        sourcing: [{ supplier_id: tenant.supplierId, units_available: 300, available_on: '2026-11-25' }],
      },
    }),
  );
  const forecastId = await createForecast(app, tenant.dropId, [
    { sku_id: tenant.skuId, region_id: region0, mean: 60 },
    { sku_id: tenant.skuId, region_id: region1, mean: 50 },
    { sku_id: tenant.skuId, region_id: unreachableRegionId, mean: 10 },
    { sku_id: secondSkuId, region_id: region0, mean: 30 },
    { sku_id: secondSkuId, region_id: region1, mean: 20 },
  ]);
  return {
    ...tenant,
    partnerBId,
    hubBId,
    fallbackSupplierId,
    secondSkuId,
    unreachableRegionId,
    forecastId,
    creatorKey: await createKey(app, { role: 'creator', creator_id: tenant.creatorId }),
    partnerKey: await createKey(app, { role: 'partner', partner_id: tenant.partnerId }),
    partnerBKey: await createKey(app, { role: 'partner', partner_id: partnerBId }),
  };
}

/**
 * A second drop of the scenario's creator over the same window: one SKU ordered from the scenario's
 * primary supplier (300 units), with a forecast mean per region (by index of `s.regionIds`).
 * Plans of both drops then compete for the same hubs and the same supplier.
 */
export async function createSecondDrop(app: TestApp, s: PlanningScenario, meanByRegion: number[]): Promise<string> {
  const dropId = freshId('drop');
  const skuId = freshId('sku');
  const drop = await answer(
    app.client().PUT('/v1/drops/{dropId}', { params: { path: { dropId } }, body: dropBody(s.creatorId, s.regionIds) }),
  );
  if (drop.status !== 201) throw new Error(`second drop: ${drop.status} ${drop.text}`);
  const sku = await answer(
    app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
      params: { path: { dropId, skuId } },
      body: {
        name: 'Tote',
        price: 50,
        unit_cost: 10,
        sourcing: [{ supplier_id: s.supplierId, units_available: 300, available_on: '2026-11-25' }],
      },
    }),
  );
  if (sku.status !== 201) throw new Error(`second drop's SKU: ${sku.status} ${sku.text}`);
  await createForecast(
    app,
    dropId,
    meanByRegion.map((mean, i) => ({ sku_id: skuId, region_id: s.regionIds[i]!, mean })),
  );
  return dropId;
}

/** A draft plan computed inline by the fast solver (201), as the admin. */
export async function computeFastPlan(app: TestApp, dropId: string): Promise<ResponseBody<'getPlan', 200>> {
  const res = await answer(
    app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId } }, body: { solver: 'fast' } }),
  );
  if (res.status !== 201) throw new Error(`plan of ${dropId}: ${res.status} ${res.text}`);
  return res.data as ResponseBody<'getPlan', 200>;
}
