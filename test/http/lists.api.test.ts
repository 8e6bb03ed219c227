import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations } from '../../src/client';
import { createKey, createTenant, dropBody, freshId, type Tenant } from '../factories/catalog-factory';
import { answer, expectData, expectProblem, problemIn, statusOf } from '../harness/answers';
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

/** A page of a list: what every list route answers. */
interface Page {
  items: { id: string }[];
  next_cursor: string | null;
}
type PageQuery = { limit: number; cursor?: string };

/** Follows next_cursor to the end, asking `list` for each page; every page at most `limit` items. */
async function walk(
  list: (page: PageQuery) => Promise<{ data?: Page; error?: unknown; response: Response }>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page = await expectData(200, list(cursor ? { limit, cursor } : { limit }));
    expect(page.items.length).toBeLessThanOrEqual(limit);
    expect(page).toHaveProperty('next_cursor');
    ids.push(...page.items.map((item) => item.id));
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

const regionsPage = (page: PageQuery) => app.client().GET('/v1/regions', { params: { query: page } });

describe('pagination', () => {
  it('walks a list page by page: every item once, in order, and the last page says null', async () => {
    for (let i = 0; i < 5; i++) {
      await app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: freshId('zz-region') } },
        body: { name: `R${i}`, time_zone: 'Europe/Paris', postal_prefixes: [freshId('p')] },
      });
    }
    const all = await answer(regionsPage({ limit: 500 }));
    expect(all.data?.next_cursor).toBeNull();
    const ids = all.data!.items.map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    const walked = await walk(regionsPage, 2);
    expect(walked.ids).toEqual(ids);
    expect(walked.ids).toEqual([...ids].sort());
    expect(walked.pages).toBe(Math.ceil(ids.length / 2));
  });

  it('serves 50 items by default', async () => {
    const res = await answer(app.client().GET('/v1/regions'));
    expect(res.status).toBe(200);
    expect(res.data!.items.length).toBeLessThanOrEqual(50);
  });

  it('refuses a limit outside 1..500 and a cursor it did not give out, naming the parameter', async () => {
    // Limits the contract refuses (out of range, not an integer): sent raw.
    for (const bad of ['0', '501', 'ten', '2.5']) {
      const res = await app.rawRequest('GET', `/v1/drops?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(problemIn(res).errors?.[0]?.path).toBe('limit');
    }
    for (const bad of ['abc', Buffer.from('["k1"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const problem = await expectProblem(400, app.client().GET('/v1/drops', { params: { query: { cursor: bad } } }));
      expect(problem.errors?.[0]?.path, bad).toBe('cursor');
    }
    // A cursor of a list with another key shape is not a cursor of this one.
    const drops = await answer(app.client().GET('/v1/drops', { params: { query: { limit: 1 } } }));
    const twoPartCursor = drops.data?.next_cursor ?? Buffer.from('["k1","a","b"]').toString('base64url');
    const res = await answer(app.client().GET('/v1/regions', { params: { query: { cursor: twoPartCursor } } }));
    expect(res.status).toBe(400);
    expect(res.error?.errors?.[0]?.path).toBe('cursor');
  });

  it('does not skip or repeat an item written between two pages (keyset, not offset)', async () => {
    const dropIds = [freshId('kd'), freshId('kd'), freshId('kd')];
    const opens = ['2027-03-01T10:00:00Z', '2027-03-02T10:00:00Z', '2027-03-04T10:00:00Z'];
    for (const [i, id] of dropIds.entries()) {
      await app.client().PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: id } },
        body: {
          ...dropBody(tenant.creatorId, tenant.regionIds),
          opens_at: opens[i]!,
          closes_at: '2027-04-01T00:00:00Z',
        },
      });
    }
    const page = (cursor?: string) =>
      answer(app.client().GET('/v1/drops', { params: { query: { creator_id: tenant.creatorId, limit: 2, cursor } } }));
    const first = await page();
    expect(first.data?.items).toHaveLength(2);
    // Inserted before the cursor (opens earlier than the first page's last item): not on page two.
    const early = freshId('kd');
    await app.client().PUT('/v1/drops/{dropId}', {
      params: { path: { dropId: early } },
      body: { ...dropBody(tenant.creatorId, tenant.regionIds), opens_at: '2026-01-01T00:00:00Z' },
    });
    const second = await page(first.data!.next_cursor!);
    const seen = [...first.data!.items, ...second.data!.items].map((d) => d.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(early);
    expect(seen).toEqual(expect.arrayContaining(dropIds));
  });
});

describe('filters', () => {
  it('lists drops by status and by creator; a creator key sees only its own whatever it asks', async () => {
    const other = await createTenant(app);
    const closed = freshId('closed-drop');
    await app.client().PUT('/v1/drops/{dropId}', {
      params: { path: { dropId: closed } },
      body: { ...dropBody(tenant.creatorId, tenant.regionIds), status: 'closed' },
    });
    const byStatus = await answer(
      app.client().GET('/v1/drops', { params: { query: { status: 'closed', creator_id: tenant.creatorId } } }),
    );
    expect(byStatus.status).toBe(200);
    expect(byStatus.data!.items.map((d) => d.id)).toEqual([closed]);
    const byCreator = (
      await walk(
        (page) => app.client().GET('/v1/drops', { params: { query: { creator_id: other.creatorId, ...page } } }),
        50,
      )
    ).ids;
    expect(byCreator).toEqual([other.dropId]);

    const creatorKey = await createKey(app, { role: 'creator', creator_id: tenant.creatorId });
    const own = await answer(app.client(creatorKey).GET('/v1/drops', { params: { query: { limit: 500 } } }));
    expect(own.data!.items.every((d) => d.creator_id === tenant.creatorId)).toBe(true);
    const foreign = await answer(
      app.client(creatorKey).GET('/v1/drops', { params: { query: { creator_id: other.creatorId } } }),
    );
    expect(foreign.status).toBe(200);
    expect(foreign.data!.items).toEqual([]);
  });

  it('lists pre-orders by SKU, region, status and placed_at range, oldest first, page by page', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `po-${i}`,
      sku_id: tenant.skuId,
      region_id: tenant.regionIds[i % 2]!,
      quantity: 1,
      placed_at: new Date(Date.parse('2026-11-20T10:00:00Z') + i * 60_000).toISOString(),
      status: i === 3 ? ('cancelled' as const) : ('placed' as const),
    }));
    const dropId = tenant.dropId;
    const posted = await answer(
      app.client().POST('/v1/drops/{dropId}/preorders', { params: { path: { dropId } }, body: { rows } }),
    );
    expect(posted.status, posted.text).toBe(200);
    type Filters = NonNullable<operations['listPreorders']['parameters']['query']>;
    const preorders =
      (filters: Filters = {}, key?: string) =>
      (page: PageQuery) =>
        app.client(key).GET('/v1/drops/{dropId}/preorders', {
          params: { path: { dropId }, query: { ...filters, ...page } },
        });

    expect((await walk(preorders(), 3)).ids).toEqual(rows.map((r) => r.id));
    expect((await walk(preorders({ region_id: tenant.regionIds[1]! }), 2)).ids).toEqual(['po-1', 'po-3', 'po-5']);
    expect((await walk(preorders({ status: 'cancelled' }), 2)).ids).toEqual(['po-3']);
    expect((await walk(preorders({ sku_id: tenant.skuId, status: 'placed' }), 4)).ids).toHaveLength(6);
    const range = { placed_from: rows[2]!.placed_at, placed_to: rows[5]!.placed_at };
    expect((await walk(preorders(range), 2)).ids).toEqual(['po-2', 'po-3', 'po-4']);
    const storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    expect((await walk(preorders({}, storefront), 50)).ids).toHaveLength(7);
    const stranger = await createKey(app, { role: 'storefront', creator_id: (await createTenant(app)).creatorId });
    expect(
      await statusOf(app.client(stranger).GET('/v1/drops/{dropId}/preorders', { params: { path: { dropId } } })),
    ).toBe(404);
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
    type Filters = NonNullable<operations['listHolds']['parameters']['query']>;
    const holdsOf = (filters: Filters, key?: string) => (page: PageQuery) =>
      app.client(key).GET('/v1/holds', { params: { query: { ...filters, ...page } } });
    const mine = { sku_id: tenant.skuId };
    expect((await walk(holdsOf(mine), 1)).ids).toEqual([holds[2]!.id, holds[1]!.id, holds[0]!.id]);
    expect((await walk(holdsOf({ ...mine, status: 'held' }), 1)).ids).toEqual([holds[0]!.id]);
    expect((await walk(holdsOf({ ...mine, status: 'expired' }), 1)).ids).toEqual([holds[1]!.id]);
    expect((await walk(holdsOf({ ...mine, status: 'confirmed' }), 1)).ids).toEqual([holds[2]!.id]);
    const storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
    expect((await walk(holdsOf({}, storefront), 50)).ids).toHaveLength(3);
    const stranger = await createKey(app, { role: 'storefront', creator_id: (await createTenant(app)).creatorId });
    expect((await walk(holdsOf(mine, stranger), 50)).ids).toEqual([]);
  });

  it('lists plans by state', async () => {
    const res = await answer(
      app.client().GET('/v1/drops/{dropId}/plans', {
        params: { path: { dropId: tenant.dropId }, query: { status: 'published', limit: 5 } },
      }),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.data).toEqual({ items: [], next_cursor: null });
    // A state the contract does not have: sent raw.
    const bad = await app.rawRequest('GET', `/v1/drops/${tenant.dropId}/plans?status=finished`);
    expect(bad.status).toBe(400);
    expect(problemIn(bad).errors?.[0]?.path).toBe('status');
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
      // Parameters the contract does not declare cannot be typed: sent raw.
      const res = await app.rawRequest('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const name = new URL(path, 'http://x').searchParams;
      const unknown = [...name.keys()].at(-1)!;
      const problem = problemIn(res);
      expect(problem.detail).toContain(unknown);
      expect(problem.errors).toContainEqual({ path: unknown, message: 'unknown query parameter' });
    }
  });

  it('still authenticates first: no key, 401, whatever the query says', async () => {
    const res = await app.rawRequest('GET', '/v1/regions?bogus=1', { key: null });
    expect(res.status).toBe(401);
  });
});
