import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, freshId, skuBody, type Tenant } from '../../factories/catalog-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

/**
 * A write that collides with another tenant's id answers exactly like an id the key cannot see:
 * 404, with the same problem as for an id nobody uses, never "already used by another drop".
 */
let app: TestApp;
let nova: Tenant;
let zen: Tenant;
let novaKey: string;
beforeAll(async () => {
  app = await startTestApp();
  nova = await createTenant(app);
  zen = await createTenant(app);
  novaKey = await createKey(app, { role: 'creator', creator_id: nova.creatorId });
});
afterAll(() => app.close());

const comparable = (body: { type: string; title: string; status: number; code: string }) => ({
  type: body.type,
  title: body.title,
  status: body.status,
  code: body.code,
});

describe('no existence leaks on catalog writes', () => {
  it("answers 404 to a creator whose SKU PUT collides with another creator's SKU id, like an unseen drop", async () => {
    const colliding = await answer(
      app.client(novaKey).PUT('/v1/drops/{dropId}/skus/{skuId}', {
        params: { path: { dropId: nova.dropId, skuId: zen.skuId } },
        body: skuBody(nova.supplierId),
      }),
    );
    expect(colliding.status, colliding.text).toBe(404);
    expect(colliding.text).not.toContain(zen.dropId);
    expect(colliding.text).not.toMatch(/already used/);
    const unseen = await answer(
      app.client(novaKey).PUT('/v1/drops/{dropId}/skus/{skuId}', {
        params: { path: { dropId: zen.dropId, skuId: freshId('sku') } },
        body: skuBody(nova.supplierId),
      }),
    );
    expect(unseen.status).toBe(404);
    expect(comparable(colliding.error!)).toEqual(comparable(unseen.error!));
    // The other tenant's SKU is untouched.
    const kept = await answer(
      app
        .client()
        .GET('/v1/drops/{dropId}/skus/{skuId}', { params: { path: { dropId: zen.dropId, skuId: zen.skuId } } }),
    );
    expect(kept.data!.drop_id).toBe(zen.dropId);
  });

  it("answers 404 to a creator whose drop PUT collides with another creator's drop id", async () => {
    const res = await answer(
      app.client(novaKey).PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: zen.dropId } },
        body: {
          creator_id: nova.creatorId,
          name: 'Mine now',
          opens_at: '2026-12-03T17:00:00Z',
          closes_at: '2026-12-10T17:00:00Z',
          promise_business_days: 3,
          baseline: { source: 'carrier', paths: [] },
        },
      }),
    );
    expect(res.status, res.text).toBe(404);
    expect(res.text).not.toContain(zen.creatorId);
  });

  it('still answers 409 when the SKU id belongs to another drop the key can see', async () => {
    const secondDrop = freshId('drop');
    const drop = await answer(app.client().GET('/v1/drops/{dropId}', { params: { path: { dropId: nova.dropId } } }));
    const { id: _id, created_at: _c, updated_at: _u, ...dropInput } = drop.data!;
    expect(
      (
        await answer(
          app.client().PUT('/v1/drops/{dropId}', { params: { path: { dropId: secondDrop } }, body: dropInput }),
        )
      ).status,
    ).toBe(201);
    const res = await answer(
      app.client(novaKey).PUT('/v1/drops/{dropId}/skus/{skuId}', {
        params: { path: { dropId: secondDrop, skuId: nova.skuId } },
        body: skuBody(nova.supplierId),
      }),
    );
    expect(res.status).toBe(409);
  });
});
