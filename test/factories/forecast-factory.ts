import { expect } from 'vitest';
import type { ClosedDrop } from '../../src/modules/forecast/core/forecast-types';
import { dropsToHistoryRows } from '../../src/modules/forecast/history-import';
import type { TrainingExecutor } from '../../src/modules/forecast/model-training';
import { createServices } from '../../src/services';
import type { Logger } from '../../src/shared/logger';
import { createLogger } from '../../src/shared/logger';
import type { Schemas } from '../../src/client';
import { expectData } from '../harness/answers';
import type { TestApp } from '../harness/test-app';
import { createKey, createTenant, freshId, skuBody, type Tenant } from './catalog-factory';

/** A tenant with a creator key and a second SKU, ready to forecast. */
export interface ForecastTenant extends Tenant {
  skuIds: string[];
  keys: { creator: string; storefront: string; partner: string };
}

export async function createForecastTenant(app: TestApp): Promise<ForecastTenant> {
  const tenant = await createTenant(app);
  const second = freshId('sku');
  await expectData(
    201,
    app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
      params: { path: { dropId: tenant.dropId, skuId: second } },
      body: { ...skuBody(tenant.supplierId), name: 'Tee', price: 30 },
    }),
  );
  return {
    ...tenant,
    skuIds: [tenant.skuId, second].sort(),
    keys: {
      creator: await createKey(app, { role: 'creator', creator_id: tenant.creatorId }),
      storefront: await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }),
      partner: await createKey(app, { role: 'partner', partner_id: tenant.partnerId }),
    },
  };
}

export interface PreorderSpec {
  sku: string;
  region: string;
  quantity: number;
  at: string;
  status?: 'placed' | 'cancelled';
}

export function postPreorders(app: TestApp, tenant: Tenant, specs: PreorderSpec[]) {
  const rows = specs.map((s) => ({
    id: freshId('po'),
    sku_id: s.sku,
    region_id: s.region,
    quantity: s.quantity,
    placed_at: s.at,
    status: s.status ?? 'placed',
  }));
  return expectData(
    200,
    app.client().POST('/v1/drops/{dropId}/preorders', { params: { path: { dropId: tenant.dropId } }, body: { rows } }),
  );
}

export function postSocial(
  app: TestApp,
  tenant: Tenant,
  rows: {
    region: string;
    channel: SocialSignal['channel'];
    metric: SocialSignal['metric'];
    value: number;
    at: string;
  }[],
) {
  const body = {
    rows: rows.map((r) => ({
      region_id: r.region,
      channel: r.channel,
      metric: r.metric,
      value: r.value,
      observed_at: r.at,
    })),
  };
  return expectData(
    200,
    app.client().POST('/v1/drops/{dropId}/social-signals', { params: { path: { dropId: tenant.dropId } }, body }),
  );
}

export function postTokenHolders(
  app: TestApp,
  tenant: Tenant,
  rows: { region: string; holders: number; at: string }[],
) {
  const body = {
    rows: rows.map((r) => ({ region_id: r.region, holders: r.holders, tokens: r.holders * 2, observed_at: r.at })),
  };
  return expectData(
    200,
    app
      .client()
      .POST('/v1/drops/{dropId}/token-holder-snapshots', { params: { path: { dropId: tenant.dropId } }, body }),
  );
}

type SocialSignal = Schemas['SocialSignalRow'];

/** A drop with a little of every signal before the app clock (2026-11-23T12:00Z). */
export async function seedSignals(app: TestApp, tenant: ForecastTenant) {
  const [r0, r1] = tenant.regionIds as [string, string];
  const [s0, s1] = tenant.skuIds as [string, string];
  await postPreorders(app, tenant, [
    { sku: s0, region: r0, quantity: 5, at: '2026-11-20T10:00:00Z' },
    { sku: s0, region: r0, quantity: 3, at: '2026-11-23T08:00:00Z' },
    { sku: s1, region: r1, quantity: 2, at: '2026-11-22T09:00:00Z' },
    { sku: s1, region: r0, quantity: 4, at: '2026-11-21T09:00:00Z', status: 'cancelled' },
  ]);
  await postSocial(app, tenant, [
    { region: r0, channel: 'tiktok', metric: 'views', value: 1000, at: '2026-11-21T00:00:00Z' },
    { region: r0, channel: 'tiktok', metric: 'views', value: 2500, at: '2026-11-23T00:00:00Z' },
    { region: r1, channel: 'discord', metric: 'rsvps', value: 40, at: '2026-11-22T00:00:00Z' },
  ]);
  await postTokenHolders(app, tenant, [
    { region: r0, holders: 10, at: '2026-11-20T00:00:00Z' },
    { region: r0, holders: 12, at: '2026-11-22T00:00:00Z' },
  ]);
}

/** Every cell of a forecast keeps the contract's promises. */
export function expectWellFormedCells(cells: { mean: number; dispersion: number; quantiles: number[] }[]) {
  expect(cells.length).toBeGreaterThan(0);
  for (const cell of cells) {
    expect(cell.quantiles).toHaveLength(7);
    expect(cell.mean).toBeGreaterThanOrEqual(0);
    expect(cell.dispersion).toBeGreaterThanOrEqual(0);
    cell.quantiles.forEach((q, i) => {
      expect(Number.isFinite(q)).toBe(true);
      expect(q).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(q).toBeGreaterThanOrEqual(cell.quantiles[i - 1]!);
    });
  }
}

/**
 * A second set of services on the test app's database and clock, with its own model folders,
 * logger or training executor (the app's own services keep theirs).
 */
export function servicesOn(
  app: TestApp,
  options: {
    modelsDir?: string;
    trainedModelsDir?: string;
    logger?: Logger;
    trainingExecutor?: TrainingExecutor;
    priorHistoryPath?: string | null;
  } = {},
) {
  const config = app.services.config;
  return createServices({
    db: app.database.db,
    config: {
      ...config,
      modelsDir: options.modelsDir ?? config.modelsDir,
      trainedModelsDir: options.trainedModelsDir ?? config.trainedModelsDir,
    },
    logger: options.logger ?? createLogger('silent'),
    clock: app.clock,
    ...(options.trainingExecutor && { trainingExecutor: options.trainingExecutor }),
    ...(options.priorHistoryPath !== undefined && { priorHistoryPath: options.priorHistoryPath }),
  });
}

/** Imports closed drops into demand_history through the service (the documented import format). */
export async function importDrops(app: TestApp, drops: readonly ClosedDrop[]) {
  return app.services.history.importHistory({ text: JSON.stringify(dropsToHistoryRows(drops)), format: 'json' });
}
