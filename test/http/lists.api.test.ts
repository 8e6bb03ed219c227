import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, dropBody, freshId, type Tenant } from '../factories/catalog-factory';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Every list route pages with `limit` (default 50, at most 500) and an opaque `cursor`, answers
 * `next_cursor`, filters on what its users ask for, and refuses a query parameter the contract does
 * not declare (a 400 naming it: `?status=closed` on a route without that filter used to be ignored).
 */
let app: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
});
afterAll(() => app?.close());

/** Follows next_cursor to the end; every page at most `limit` items. */
async function walk(path: string, limit: number, key?: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await app.untypedRequest(
      'GET',
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { key },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    expect(res.body).toHaveProperty('next_cursor');
    ids.push(...res.body.items.map((item: { id: string }) => item.id));
    cursor = res.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

describe('pagination', () => {
  it('walks a list page by page: every item once, in order, and the last page says null', async () => {
    for (let i = 0; i < 5; i++) {
      await app.untypedRequest('PUT', `/v1/regions/${freshId('zz-region')}`, {
        body: { name: `R${i}`, time_zone: 'Europe/Paris', postal_prefixes: [freshId('p')] },
      });
    }
    const all = await app.untypedRequest('GET', '/v1/regions?limit=500');
    expect(all.body.next_cursor).toBeNull();
    const ids = all.body.items.map((r: { id: string }) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    const walked = await walk('/v1/regions', 2);
    expect(walked.ids).toEqual(ids);
    expect(walked.ids).toEqual([...ids].sort());
    expect(walked.pages).toBe(Math.ceil(ids.length / 2));
  });

  it('serves 50 items by default', async () => {
    const res = await app.untypedRequest('GET', '/v1/regions');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(50);
  });

  it('refuses a limit outside 1..500 and a cursor it did not give out, naming the parameter', async () => {
    for (const bad of ['0', '501', 'ten', '2.5']) {
      const res = await app.untypedRequest('GET', `/v1/drops?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors[0].path).toBe('limit');
    }
    for (const bad of ['abc', Buffer.from('["k1"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const res = await app.untypedRequest('GET', `/v1/drops?cursor=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].path).toBe('cursor');
    }
    // A cursor of a list with another key shape is not a cursor of this one.
    const drops = await app.untypedRequest('GET', '/v1/drops?limit=1');
    const twoPartCursor = drops.body.next_cursor ?? Buffer.from('["k1","a","b"]').toString('base64url');
    const res = await app.untypedRequest('GET', `/v1/regions?cursor=${twoPartCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('cursor');
  });

  it('does not skip or repeat an item written between two pages (keyset, not offset)', async () => {
    const dropIds = [freshId('kd'), freshId('kd'), freshId('kd')];
    const opens = ['2027-03-01T10:00:00Z', '2027-03-02T10:00:00Z', '2027-03-04T10:00:00Z'];
    for (const [i, id] of dropIds.entries()) {
      await app.untypedRequest('PUT', `/v1/drops/${id}`, {
        body: {
          ...dropBody(tenant.creatorId, tenant.regionIds),
          opens_at: opens[i],
          closes_at: '2027-04-01T00:00:00Z',
        },
      });
    }
    const path = `/v1/drops?creator_id=${tenant.creatorId}&limit=2`;
    const first = await app.untypedRequest('GET', path);
    expect(first.body.items).toHaveLength(2);
    // Inserted before the cursor (opens earlier than the first page's last item): not on page two.
    const early = freshId('kd');
    await app.untypedRequest('PUT', `/v1/drops/${early}`, {
      body: { ...dropBody(tenant.creatorId, tenant.regionIds), opens_at: '2026-01-01T00:00:00Z' },
    });
    const second = await app.untypedRequest('GET', `${path}&cursor=${first.body.next_cursor}`);
    const seen = [...first.body.items, ...second.body.items].map((d: { id: string }) => d.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(early);
    expect(seen).toEqual(expect.arrayContaining(dropIds));
  });
});

describe('filters', () => {
  it('lists drops by status and by creator; a creator key sees only its own whatever it asks', async () => {
    const other = await createTenant(app);
    const closed = freshId('closed-drop');
    await app.untypedRequest('PUT', `/v1/drops/${closed}`, {
      body: { ...dropBody(tenant.creatorId, tenant.regionIds), status: 'closed' },
    });
    const byStatus = await app.untypedRequest('GET', `/v1/drops?status=closed&creator_id=${tenant.creatorId}`);
    expect(byStatus.status).toBe(200);
    expect(byStatus.body.items.map((d: { id: string }) => d.id)).toEqual([closed]);
    const byCreator = (await walk(`/v1/drops?creator_id=${other.creatorId}`, 50)).ids;
    expect(byCreator).toEqual([other.dropId]);

    const creatorKey = await createKey(app, { role: 'creator', creator_id: tenant.creatorId });
    const own = await app.untypedRequest('GET', '/v1/drops?limit=500', { key: creatorKey });
    expect(own.body.items.every((d: { creator_id: string }) => d.creator_id === tenant.creatorId)).toBe(true);
    const foreign = await app.untypedRequest('GET', `/v1/drops?creator_id=${other.creatorId}`, { key: creatorKey });
    expect(foreign.status).toBe(200);
    expect(foreign.body.items).toEqual([]);
  });

  it('lists pre-orders by SKU, region, status and placed_at range, oldest first, page by page', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `po-${i}`,
      sku_id: tenant.skuId,
      region_id: tenant.regionIds[i % 2]!,
      quantity: 1,
      placed_at: new Date(Date.parse('2026-11-20T10:00:00Z') + i * 60_000).toISOString(),
      status: i === 3 ? 'cancelled' : 'placed',
    }));
    const posted = await app.untypedRequest('POST', `/v1/drops/${tenant.dropId}/preorders`, { body: { rows } });
    expect(posted.status, posted.text).toBe(200);
    const base = `/v1/drops/${tenant.dropId}/preorders`;

    expect((await walk(base, 3)).ids).toEqual(rows.map((r) => r.id));
    expect((await walk(`${base}?region_id=${tenant.regionIds[1]}`, 2)).ids).toEqual(['po-1', 'po-3', 'po-5']);
    expect((await walk(`${base}?status=cancelled`, 2)).ids).toEqual(['po-3']);
    expect((await walk(`${base}?sku_id=${tenant.skuId}&status=placed`, 4)).ids).toHaveLength(6);
    const range = `placed_from=${rows[2]!.placed_at}&placed_to=${rows[5]!.placed_at}`;
    expect((await walk(`${base}?${range}`, 2)).ids).toEqual(['po-2', 'po-3', 'po-4']);
    const storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    expect((await walk(base, 50, storefront)).ids).toHaveLength(7);
    const stranger = await createKey(app, { role: 'storefront', creator_id: (await createTenant(app)).creatorId });
    expect((await app.untypedRequest('GET', base, { key: stranger })).status).toBe(404);
  });

  it('lists holds by state, newest first; a hold past its expiry lists as expired, not held', async () => {
    const now = app.clock.now().getTime();
    const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
    const holds = [
      { id: freshId('hold'), status: 'held', created: at(-3), expires: at(10) },
      { id: freshId('hold'), status: 'held', created: at(-2), expires: at(-1) },
      { id: freshId('hold'), status: 'confirmed', created: at(-1), expires: at(10) },
    ];
    for (const h of holds) {
      await app.services.db.query(
        `insert into reservation_holds (id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at)
         values ($1, $2, $3, $4, 1, $5, $6, $7, $8)`,
        [h.id, tenant.hubId, tenant.skuId, tenant.regionIds[0], tenant.creatorId, h.status, h.created, h.expires],
      );
    }
    const mine = `/v1/holds?sku_id=${tenant.skuId}`;
    expect((await walk(mine, 1)).ids).toEqual([holds[2]!.id, holds[1]!.id, holds[0]!.id]);
    expect((await walk(`${mine}&status=held`, 1)).ids).toEqual([holds[0]!.id]);
    expect((await walk(`${mine}&status=expired`, 1)).ids).toEqual([holds[1]!.id]);
    expect((await walk(`${mine}&status=confirmed`, 1)).ids).toEqual([holds[2]!.id]);
    const storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    expect((await walk('/v1/holds', 50, storefront)).ids).toHaveLength(3);
    const stranger = await createKey(app, { role: 'storefront', creator_id: (await createTenant(app)).creatorId });
    expect((await walk(mine, 50, stranger)).ids).toEqual([]);
  });

  it('lists plans by state', async () => {
    const res = await app.untypedRequest('GET', `/v1/drops/${tenant.dropId}/plans?status=published&limit=5`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ items: [], next_cursor: null });
    const bad = await app.untypedRequest('GET', `/v1/drops/${tenant.dropId}/plans?status=finished`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('status');
  });
});

describe('undeclared query parameters', () => {
  it('answers 400 problem+json naming a parameter the operation does not declare', async () => {
    for (const path of [
      '/v1/regions?status=closed',
      `/v1/drops/${tenant.dropId}?expand=skus`,
      '/v1/drops?statuz=closed',
      `/v1/estimates?sku_id=${tenant.skuId}&postal_code=1&zip=2`,
    ]) {
      const res = await app.untypedRequest('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const name = new URL(path, 'http://x').searchParams;
      const unknown = [...name.keys()].at(-1)!;
      expect(res.body.detail).toContain(unknown);
      expect(res.body.errors).toContainEqual({ path: unknown, message: 'unknown query parameter' });
    }
  });

  it('still authenticates first: no key, 401, whatever the query says', async () => {
    const res = await app.untypedRequest('GET', '/v1/regions?bogus=1', { key: null });
    expect(res.status).toBe(401);
  });
});
