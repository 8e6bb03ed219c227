import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

let app: TestApp;
let s: PlanningScenario;
let planId: string;
let draftId: string;
beforeAll(async () => {
  app = await startTestApp();
  s = await createPlanningScenario(app);
  const plan = await answer(
    app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } }, body: { solver: 'fast' } }),
  );
  planId = plan.data!.id;
  expect((await answer(app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId } } }))).status).toBe(
    200,
  );
  // A later draft is not what partners see.
  draftId = (
    await answer(
      app
        .client()
        .POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } }, body: { solver: 'fast' } }),
    )
  ).data!.id;
});
afterAll(() => app.close());

describe('partner reads of the published plan', () => {
  it('shows a partner only the allocations and inbound orders of the hubs it operates', async () => {
    const res = await answer(
      app.client(s.partnerKey).GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId } } }),
    );
    expect(res.status, res.text).toBe(200);
    const body = res.data!;
    expect(body).toMatchObject({ plan_id: planId, drop_id: s.dropId, hub_ids: [s.hubId] });
    expect(body.plan_id).not.toBe(draftId);
    expect(body.allocations.length).toBeGreaterThan(0);
    expect(body.allocations.every((a) => a.hub_id === s.hubId)).toBe(true);
    expect(body.supplier_orders.length).toBeGreaterThan(0);
    expect(body.supplier_orders.every((o) => o.destination_hub_id === s.hubId)).toBe(true);
    expect(JSON.stringify(body)).not.toContain(s.hubBId);

    const b = (
      await answer(
        app.client(s.partnerBKey).GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId } } }),
      )
    ).data!;
    expect(b.hub_ids).toEqual([s.hubBId]);
    expect(b.allocations.every((a) => a.hub_id === s.hubBId)).toBe(true);
    expect(JSON.stringify(b)).not.toContain(s.hubId);
  });

  it('answers CSV with only the partner hubs when asked by Accept or format', async () => {
    for (const [path, headers] of [
      [`/v1/partner/allocations?drop_id=${s.dropId}`, { accept: 'text/csv' }],
      [`/v1/partner/allocations?drop_id=${s.dropId}&format=csv`, {}],
      [`/v1/drops/${s.dropId}/plans/published/hubs/${s.hubId}?format=csv`, {}],
    ] as const) {
      const res = await app.rawRequest('GET', path, { key: s.partnerKey, headers });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      const lines = res.text.trim().split('\r\n');
      expect(lines[0]).toBe(
        'record_type,plan_id,drop_id,version,sku_id,hub_id,units,supplier_id,ship_by,arrive_by,is_fallback,reason,slot_start,slot_end,holds',
      );
      expect(lines.length).toBeGreaterThan(2);
      expect(lines.slice(1).every((l) => l.split(',')[5] === s.hubId)).toBe(true);
      expect(res.text).not.toContain(s.hubBId);
      expect(lines.some((l) => l.startsWith('allocation,'))).toBe(true);
      expect(lines.some((l) => l.startsWith('supplier_order,'))).toBe(true);
    }
  });

  it("answers 404 for another partner's hub, a drop that does not involve the partner, and storefronts", async () => {
    expect(
      (
        await answer(
          app.client(s.partnerKey).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
            params: { path: { dropId: s.dropId, hubId: s.hubBId } },
          }),
        )
      ).status,
    ).toBe(404);
    const own = await answer(
      app.client(s.partnerKey).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
        params: { path: { dropId: s.dropId, hubId: s.hubId } },
      }),
    );
    expect(own.status).toBe(200);
    expect(own.data!.hub_ids).toEqual([s.hubId]);

    const stranger = await createTenant(app);
    const strangerKey = await createKey(app, { role: 'partner', partner_id: stranger.partnerId });
    const res = await answer(
      app.client(strangerKey).GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId } } }),
    );
    expect(res.status).toBe(404);
    expect(
      (
        await answer(
          app.client(strangerKey).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
            params: { path: { dropId: s.dropId, hubId: s.hubId } },
          }),
        )
      ).status,
    ).toBe(404);
    const storefront = await createKey(app, { role: 'storefront', creator_id: s.creatorId });
    expect(
      (
        await answer(
          app.client(storefront).GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app.client(storefront).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
            params: { path: { dropId: s.dropId, hubId: s.hubId } },
          }),
        )
      ).status,
    ).toBe(404);
  });

  it('answers 404 when the drop has no published plan, and 400 when a partner names partner_id', async () => {
    const other = await createPlanningScenario(app);
    await answer(app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }));
    expect(
      (
        await answer(
          app.client(other.partnerKey).GET('/v1/partner/allocations', { params: { query: { drop_id: other.dropId } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app
            .client(s.partnerKey)
            .GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId, partner_id: s.partnerId } } }),
        )
      ).status,
    ).toBe(400);
    // Without the drop_id the contract requires (sent raw: the typed client will not omit it).
    expect((await app.rawRequest('GET', '/v1/partner/allocations', { key: s.partnerKey })).status).toBe(400);
  });

  it("lets the admin read any partner's view and the drop's creator any hub, but not another creator", async () => {
    const admin = await answer(
      app
        .client()
        .GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId, partner_id: s.partnerBId } } }),
    );
    expect(admin.data!.hub_ids).toEqual([s.hubBId]);
    const creator = await answer(
      app.client(s.creatorKey).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
        params: { path: { dropId: s.dropId, hubId: s.hubBId } },
      }),
    );
    expect(creator.status).toBe(200);
    const other = await createTenant(app);
    const otherCreator = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    expect(
      (
        await answer(
          app.client(otherCreator).GET('/v1/drops/{dropId}/plans/published/hubs/{hubId}', {
            params: { path: { dropId: s.dropId, hubId: s.hubBId } },
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app.client(s.creatorKey).GET('/v1/partner/allocations', { params: { query: { drop_id: s.dropId } } }),
        )
      ).status,
    ).toBe(404);
  });
});
