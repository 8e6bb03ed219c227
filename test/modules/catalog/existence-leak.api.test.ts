import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, freshId, skuBody, type Tenant } from '../../factories/catalog-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

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
    const colliding = await app.request('PUT', `/v1/drops/${nova.dropId}/skus/${zen.skuId}`, {
      key: novaKey,
      body: skuBody(nova.supplierId),
    });
    expect(colliding.status, colliding.text).toBe(404);
    expect(colliding.text).not.toContain(zen.dropId);
    expect(colliding.text).not.toMatch(/already used/);
    const unseen = await app.request('PUT', `/v1/drops/${zen.dropId}/skus/${freshId('sku')}`, {
      key: novaKey,
      body: skuBody(nova.supplierId),
    });
    expect(unseen.status).toBe(404);
    expect(comparable(colliding.body)).toEqual(comparable(unseen.body));
    // The other tenant's SKU is untouched.
    const kept = await app.request('GET', `/v1/drops/${zen.dropId}/skus/${zen.skuId}`);
    expect(kept.body.drop_id).toBe(zen.dropId);
  });

  it("answers 404 to a creator whose drop PUT collides with another creator's drop id", async () => {
    const res = await app.request('PUT', `/v1/drops/${zen.dropId}`, {
      key: novaKey,
      body: {
        creator_id: nova.creatorId,
        name: 'Mine now',
        opens_at: '2026-12-03T17:00:00Z',
        closes_at: '2026-12-10T17:00:00Z',
        promise_business_days: 3,
        baseline: { source: 'carrier', paths: [] },
      },
    });
    expect(res.status, res.text).toBe(404);
    expect(res.text).not.toContain(zen.creatorId);
  });

  it('still answers 409 when the SKU id belongs to another drop the key can see', async () => {
    const secondDrop = freshId('drop');
    const drop = await app.request('GET', `/v1/drops/${nova.dropId}`);
    const { id: _id, created_at: _c, updated_at: _u, ...dropInput } = drop.body;
    expect((await app.request('PUT', `/v1/drops/${secondDrop}`, { body: dropInput })).status).toBe(201);
    const res = await app.request('PUT', `/v1/drops/${secondDrop}/skus/${nova.skuId}`, {
      key: novaKey,
      body: skuBody(nova.supplierId),
    });
    expect(res.status).toBe(409);
  });
});
