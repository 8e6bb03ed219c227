import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import { createJobQueue } from '../../../src/jobs/queue';
import { remainingWindowShare } from '../../../src/modules/allocation/replan';
import { createLogger } from '../../../src/shared/logger';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import type { Schemas } from '../../../src/client';
import { answer } from '../../harness/answers';

type Proposal = ResponseBody<'getReplanProposal', 200>;

let app: TestApp;
let s: PlanningScenario;
beforeAll(async () => {
  // Half-way through the drop window (opens 2026-12-03T17:00Z, closes 2026-12-05T17:00Z).
  app = await startTestApp({ now: '2026-12-04T17:00:00Z' });
  s = await createPlanningScenario(app);
});
afterAll(() => app.close());

async function postEvents(rows: Schemas['InventoryEventRow'][]) {
  const res = await answer(app.client().POST('/v1/inventory-events', { body: { rows } }));
  expect(res.status, res.text).toBe(200);
}

describe('live re-plan', () => {
  it('scales the remaining demand by the share of the window left', () => {
    const opens = new Date('2026-12-03T17:00:00Z');
    const closes = new Date('2026-12-05T17:00:00Z');
    expect(remainingWindowShare(opens, closes, new Date('2026-12-01T00:00:00Z'))).toBe(1);
    expect(remainingWindowShare(opens, closes, new Date('2026-12-04T17:00:00Z'))).toBe(0.5);
    expect(remainingWindowShare(opens, closes, new Date('2026-12-06T00:00:00Z'))).toBe(0);
  });

  it('proposes moving surplus stock to a hub that ran short, from live stock', async () => {
    const at = '2026-12-04T10:00:00Z';
    // Hub A holds plenty; hub B (serves region 1) has sold out of the hoodie.
    await postEvents([
      { id: 'r1', type: 'received', hub_id: s.hubId, sku_id: s.skuId, quantity: 120, occurred_at: at },
      { id: 'r2', type: 'reserved', hub_id: s.hubId, sku_id: s.skuId, quantity: 10, occurred_at: at },
      { id: 'r3', type: 'released', hub_id: s.hubId, sku_id: s.skuId, quantity: 4, occurred_at: at },
      { id: 'r4', type: 'adjusted', hub_id: s.hubId, sku_id: s.skuId, quantity: -4, occurred_at: at },
      { id: 'r5', type: 'received', hub_id: s.hubBId, sku_id: s.skuId, quantity: 30, occurred_at: at },
      { id: 'r6', type: 'shipped', hub_id: s.hubBId, sku_id: s.skuId, quantity: 30, occurred_at: at },
    ]);
    const res = await answer(
      app.client(s.creatorKey).GET('/v1/drops/{dropId}/replan-proposals', { params: { path: { dropId: s.dropId } } }),
    );
    expect(res.status, res.text).toBe(200);
    const p = res.data as Proposal;
    expect(p).toMatchObject({
      drop_id: s.dropId,
      forecast_id: s.forecastId,
      remaining_window_share: 0.5,
      plan_id: null,
    });
    // received 120 − adjusted 4 = 116 on hand; reserved 10 − released 4 = 6; available 110.
    expect(p.stock.find((x) => x.hub_id === s.hubId && x.sku_id === s.skuId)).toMatchObject({
      available: 110,
      reserved: 6,
    });
    expect(p.stock.find((x) => x.hub_id === s.hubBId && x.sku_id === s.skuId)).toMatchObject({
      available: 0,
      reserved: 0,
    });
    const toB = p.transfers.filter((t) => t.sku_id === s.skuId && t.to_hub_id === s.hubBId);
    expect(toB).toHaveLength(1);
    expect(toB[0]).toMatchObject({ from_hub_id: s.hubId });
    expect(toB[0]!.units).toBeGreaterThan(0);
    expect(toB[0]!.units).toBeLessThanOrEqual(40);
    // A transfer never moves more than a hub has, and never more than the target asks.
    for (const t of p.transfers) {
      const from = p.stock.find((x) => x.hub_id === t.from_hub_id && x.sku_id === t.sku_id)!;
      expect(t.units).toBeLessThanOrEqual(from.available - from.target);
    }
    expect(p.expected_fill_rate_after).toBeGreaterThan(p.expected_fill_rate_before);
  });

  it('stores a proposal for every live drop when the scheduled job ticks, and 404s for other tenants', async () => {
    const queue = createJobQueue(app.services.db, app.services.jobs, createLogger('silent'), { workers: false });
    expect(await queue.runOnce('allocation.live-replan')).toBe(true);
    await queue.stop();
    const { rows } = await app.services.db.query<{ n: number }>(
      'select count(*)::int as n from replan_proposals where drop_id = $1',
      [s.dropId],
    );
    expect(rows[0]!.n).toBe(1);
    expect(app.services.jobs.map((j) => j.id)).toEqual(
      expect.arrayContaining(['allocation.live-replan', 'webhooks.drain-outbox']),
    );

    const other = await createTenant(app);
    const otherCreator = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    expect(
      (
        await answer(
          app
            .client(otherCreator)
            .GET('/v1/drops/{dropId}/replan-proposals', { params: { path: { dropId: s.dropId } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app
            .client(s.partnerKey)
            .GET('/v1/drops/{dropId}/replan-proposals', { params: { path: { dropId: s.dropId } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app.client().GET('/v1/drops/{dropId}/replan-proposals', { params: { path: { dropId: other.dropId } } }),
        )
      ).error!.reason,
    ).toBe('no_forecast');
  });
});
