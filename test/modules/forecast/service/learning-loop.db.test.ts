import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socialIndex } from '../../../../src/modules/forecast/core/forecast-types';
import { dropBody, freshId } from '../../../factories/catalog-factory';
import {
  createForecastTenant,
  postPreorders,
  postSocial,
  postTokenHolders,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';
import { answer } from '../../../harness/answers';

/**
 * A closed drop becomes demand_history rows. The drop opens 2026-12-03T17:00Z and closes
 * 2026-12-05T17:00Z; the lead-time snapshots fall at 11-26T17:00 (7 d), 11-30T17:00 (3 d) and
 * 12-02T17:00 (1 d). The clock stands after the close.
 */
let app: TestApp;
let tenant: ForecastTenant;
let r0: string, r1: string, s0: string, s1: string;

beforeAll(async () => {
  app = await startTestApp({ now: '2026-12-10T00:00:00Z' });
  tenant = await createForecastTenant(app);
  [r0, r1] = tenant.regionIds as [string, string];
  [s0, s1] = tenant.skuIds as [string, string];
  await postPreorders(app, tenant, [
    { sku: s0, region: r0, quantity: 2, at: '2026-11-25T00:00:00Z' },
    { sku: s0, region: r0, quantity: 3, at: '2026-11-28T00:00:00Z' },
    { sku: s0, region: r0, quantity: 1, at: '2026-12-02T18:00:00Z' },
    { sku: s0, region: r1, quantity: 4, at: '2026-12-04T00:00:00Z' },
    { sku: s1, region: r1, quantity: 5, at: '2026-12-06T00:00:00Z' },
    { sku: s1, region: r0, quantity: 7, at: '2026-11-29T00:00:00Z', status: 'cancelled' },
    { sku: s1, region: r0, quantity: 2, at: '2026-12-02T10:00:00Z' },
  ]);
  await postSocial(app, tenant, [
    { region: r0, channel: 'tiktok', metric: 'views', value: 100, at: '2026-11-29T00:00:00Z' },
  ]);
  await postTokenHolders(app, tenant, [{ region: r1, holders: 9, at: '2026-11-20T00:00:00Z' }]);
});
afterAll(() => app.close());

describe('recordClosedDrop', () => {
  it('writes one row per SKU × region with the realised demand and the signals at 7, 3 and 1 days', async () => {
    const result = await app.services.history.recordClosedDrop(tenant.dropId);
    expect(result).toMatchObject({ drop_id: tenant.dropId, rows: 4, created: 4, updated: 0, realised_units: 12 });
    const rows = await app.services.history.listDemandHistoryOfDrop(tenant.dropId);
    const cell = (s: string, r: string) => rows.find((row) => row.sku_id === s && row.region_id === r)!;
    // placed (not cancelled) up to closes_at: pre-orders before opening plus orders in the window
    expect(cell(s0, r0).realised_demand).toBe(6);
    expect(cell(s0, r1).realised_demand).toBe(4);
    expect(cell(s1, r0).realised_demand).toBe(2);
    expect(cell(s1, r1).realised_demand).toBe(0); // placed after the close
    expect(cell(s0, r0)).toMatchObject({ creator_id: tenant.creatorId, source: 'closed-drop' });
    expect([30, 60]).toContain(cell(s0, r0).price);
    expect(new Date(cell(s0, r0).opens_at).toISOString()).toBe('2026-12-03T17:00:00.000Z');

    const snaps = cell(s0, r0).snapshots;
    expect([snaps['7']!.preorders, snaps['3']!.preorders, snaps['1']!.preorders]).toEqual([2, 5, 5]);
    // no social reading yet 7 days out: the kind is missing there (not stored as zeros)
    expect(snaps['7']!.social).toBeUndefined();
    expect(snaps['3']!.social![socialIndex(1, 1)]).toBe(100);
    expect(cell(s1, r0).snapshots['1']).toMatchObject({ preorders: 2, velocity: 2 });
    expect(cell(s1, r1).snapshots['7']!.token_holders).toBe(9);
  });

  it('is idempotent: recording again replaces the same rows', async () => {
    const again = await app.services.history.recordClosedDrop(tenant.dropId);
    expect(again).toMatchObject({ rows: 4, created: 0, updated: 4, realised_units: 12 });
    expect(await app.services.history.listDemandHistoryOfDrop(tenant.dropId)).toHaveLength(4);
  });

  it('feeds the history of the next forecast for models that learn from demand_history (the baseline here)', async () => {
    const next = freshId('drop');
    const body = {
      ...dropBody(tenant.creatorId, tenant.regionIds),
      opens_at: '2026-12-20T17:00:00Z',
      closes_at: '2026-12-22T17:00:00Z',
    };
    expect(
      (await answer(app.client().PUT('/v1/drops/{dropId}', { params: { path: { dropId: next } }, body }))).status,
    ).toBe(201);
    expect(
      (
        await answer(
          app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
            params: { path: { dropId: next, skuId: freshId('sku') } },
            body: {
              name: 'Cap',
              price: 25,
              unit_cost: 5,
              sourcing: [{ supplier_id: tenant.supplierId, units_available: 100, available_on: '2026-12-15' }],
            },
          }),
        )
      ).status,
    ).toBe(201);
    const res = await answer(
      app
        .client(tenant.keys.creator)
        .POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: next } }, body: { model: 'baseline' } }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.data!.summary).toMatchObject({ creator_past_drops: 1, model_role: 'requested' });
    expect(res.data!.cells[0]!.features.is_new_creator).toBe(0);
    // The shipped model serves over its simulated history plus the service's closed drops, so the
    // creator's one closed drop already counts for it too (no training needed).
    const shipped = await answer(
      app.client(tenant.keys.creator).POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: next } } }),
    );
    expect(shipped.data!.summary).toMatchObject({ creator_past_drops: 1, model_role: 'default' });
    expect(shipped.data!.cells[0]!.features.is_new_creator).toBe(0);
  });

  it('refuses a drop that has not closed yet with 422 drop_not_closed', async () => {
    const open = freshId('drop');
    const body = {
      ...dropBody(tenant.creatorId, tenant.regionIds),
      opens_at: '2026-12-20T17:00:00Z',
      closes_at: '2026-12-22T17:00:00Z',
    };
    expect(
      (await answer(app.client().PUT('/v1/drops/{dropId}', { params: { path: { dropId: open } }, body }))).status,
    ).toBe(201);
    await expect(app.services.history.recordClosedDrop(open)).rejects.toMatchObject({
      code: 'unprocessable',
      options: { extensions: { reason: 'drop_not_closed' } },
    });
  });

  it('answers not_found for an unknown drop', async () => {
    await expect(app.services.history.recordClosedDrop('no-such-drop')).rejects.toMatchObject({ code: 'not_found' });
  });
});
