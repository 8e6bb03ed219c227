import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshId } from '../../factories/catalog-factory';
import {
  createSignalsTenant,
  PAST,
  postCsv,
  postNdjson,
  preorderRows,
  type SignalsTenant,
} from '../../factories/signals-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer, expectData, problemIn } from '../../harness/answers';

let app: TestApp;
let tenant: SignalsTenant;
const importPath = () => `/v1/drops/${tenant.dropId}/preorders`;

async function placedUnits(regionId?: string): Promise<{ placed: number; placed_units: number; cancelled: number }> {
  const res = await answer(
    app.client().GET('/v1/drops/{dropId}/signal-summary', { params: { path: { dropId: tenant.dropId } } }),
  );
  expect(res.status, res.text).toBe(200);
  const regions = res.data!.regions.filter((r: { region_id: string }) => !regionId || r.region_id === regionId);
  return regions.reduce(
    (
      acc: { placed: number; placed_units: number; cancelled: number },
      r: { preorders: { placed: number; placed_units: number; cancelled: number } },
    ) => ({
      placed: acc.placed + r.preorders.placed,
      placed_units: acc.placed_units + r.preorders.placed_units,
      cancelled: acc.cancelled + r.preorders.cancelled,
    }),
    { placed: 0, placed_units: 0, cancelled: 0 },
  );
}

// Overlapping queries on one pg connection are deprecated (pg 9 refuses them); the import's
// savepoint/COPY/release must go one at a time. Watched over the whole file, checked at its end.
const deprecations: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'DeprecationWarning') deprecations.push(warning.message);
};

beforeAll(async () => {
  process.on('warning', onWarning);
  app = await startTestApp();
  tenant = await createSignalsTenant(app);
});
afterAll(() => app.close());

describe('pre-order imports: happy paths', () => {
  it('imports a JSON batch and the same batch twice more changes nothing (same counts each time)', async () => {
    const rows = preorderRows(tenant, 300);
    const before = await placedUnits();
    const first = await app.rawRequest('POST', importPath(), { body: { rows } });
    const second = await app.rawRequest('POST', importPath(), { body: { rows } });
    const third = await app.rawRequest('POST', importPath(), { body: { rows } });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ rows: 300, created: 300, updated: 0, unchanged: 0 });
    expect(second.body).toEqual({ rows: 300, created: 0, updated: 0, unchanged: 300 });
    expect(third.body).toEqual(second.body);
    const after = await placedUnits();
    expect(after.placed - before.placed).toBe(300);
    expect(after.placed_units - before.placed_units).toBe(rows.reduce((a, r) => a + r.quantity, 0));
  });

  it('updates the same pre-order on a cancellation, and a late placed re-send does not revive it', async () => {
    const [row] = preorderRows(tenant, 1);
    await app.rawRequest('POST', importPath(), { body: { rows: [row] } });
    const cancel = await app.rawRequest('POST', importPath(), { body: { rows: [{ ...row, status: 'cancelled' }] } });
    expect(cancel.body).toEqual({ rows: 1, created: 0, updated: 1, unchanged: 0 });
    const late = await app.rawRequest('POST', importPath(), { body: { rows: [row] } });
    expect(late.body).toEqual({ rows: 1, created: 0, updated: 0, unchanged: 1 });
    const read = await answer(
      app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: row!.id } },
      }),
    );
    expect(read.data).toMatchObject({
      id: row!.id,
      status: 'cancelled',
      quantity: row!.quantity,
      placed_at: new Date(row!.placed_at).toISOString(),
    });
  });

  it('records a single pre-order with PUT: 201, then 200 on replay', async () => {
    const id = freshId('po');
    const body = { sku_id: tenant.skuId, quantity: 2, region_id: tenant.regionIds[0]!, placed_at: PAST };
    const created = await answer(
      app.client(tenant.keys.storefront).PUT('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: id } },
        body,
      }),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.data).toMatchObject({ id, drop_id: tenant.dropId, status: 'placed', quantity: 2 });
    const replay = await answer(
      app.client(tenant.keys.storefront).PUT('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: id } },
        body,
      }),
    );
    expect(replay.status).toBe(200);
    expect(replay.data).toEqual(created.data);
    const bad = await answer(
      app.client(tenant.keys.storefront).PUT('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: id } },
        body: { ...body, sku_id: 'ghost' },
      }),
    );
    expect(bad.status).toBe(422);
    expect(bad.error!.errors).toEqual([{ path: 'sku_id', message: "unknown SKU 'ghost' for this drop" }]);
  });

  it('maps postal codes to regions by the longest prefix', async () => {
    const wide = freshId('region');
    const narrow = freshId('region');
    const base = `Z${wide.slice(-4)}`.toUpperCase();
    await answer(
      app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: wide } },
        body: { name: 'Wide', time_zone: 'Europe/London', postal_prefixes: [base] },
      }),
    );
    await answer(
      app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: narrow } },
        body: { name: 'Narrow', time_zone: 'Europe/London', postal_prefixes: [`${base}7`] },
      }),
    );
    const rows = [
      {
        id: freshId('po'),
        sku_id: tenant.skuId,
        quantity: 1,
        postal_code: `${base}7 1AA`.toLowerCase(),
        placed_at: PAST,
      },
      { id: freshId('po'), sku_id: tenant.skuId, quantity: 5, postal_code: `${base}3-2BB`, placed_at: PAST },
    ];
    const res = await app.rawRequest('POST', importPath(), { body: { rows } });
    expect(res.status, res.text).toBe(200);
    expect(
      (
        await answer(
          app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: tenant.dropId, preorderId: rows[0]!.id } },
          }),
        )
      ).data!.region_id,
    ).toBe(narrow);
    expect(
      (
        await answer(
          app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: tenant.dropId, preorderId: rows[1]!.id } },
          }),
        )
      ).data!.region_id,
    ).toBe(wide);
    const unknown = await app.rawRequest('POST', importPath(), {
      body: { rows: [{ ...rows[0], postal_code: '00000' }] },
    });
    expect(unknown.status).toBe(422);
    expect(problemIn(unknown).errors!).toEqual([
      { path: 'rows[0].postal_code', message: "no region has a postal prefix matching '00000'" },
    ]);
  });

  it('imports CSV with a header row', async () => {
    const rows = preorderRows(tenant, 40);
    const res = await postCsv(app, importPath(), rows);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ rows: 40, created: 40, updated: 0, unchanged: 0 });
  });

  it('streams a 50,000-row NDJSON import, then replays it without changes', async () => {
    const rows = preorderRows(tenant, 50_000);
    const before = await placedUnits();
    const first = await postNdjson(app, importPath(), rows);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ rows: 50_000, created: 50_000, updated: 0, unchanged: 0 });
    const again = await postNdjson(app, importPath(), rows);
    expect(again.body).toEqual({ rows: 50_000, created: 0, updated: 0, unchanged: 50_000 });
    expect((await placedUnits()).placed - before.placed).toBe(50_000);
  });
});

describe('pre-order imports: merging across chunks', () => {
  it('a stream that cancels, in a later chunk, a pre-order of an earlier one keeps the cancellation', async () => {
    const rows: Record<string, unknown>[] = preorderRows(tenant, 12_000);
    // 12,000 rows are two chunks; the last row repeats the fifth as a cancellation.
    rows[11_999] = { ...rows[4], status: 'cancelled' };
    const first = await postNdjson(app, importPath(), rows);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ rows: 12_000, created: 11_999, updated: 1, unchanged: 0 });
    const stored = await expectData(
      200,
      app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: String(rows[4]!.id) } },
      }),
    );
    expect(stored.status).toBe('cancelled');
    // A replay that mixes stored and new ids: the stored ones unchanged, the cancellation kept.
    const more = [...rows.slice(0, 3), ...preorderRows(tenant, 2), { ...rows[4], status: 'placed' }];
    const replay = await postNdjson(app, importPath(), more);
    expect(replay.body).toEqual({ rows: 6, created: 2, updated: 0, unchanged: 4 });
    const kept = await expectData(
      200,
      app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: String(rows[4]!.id) } },
      }),
    );
    expect(kept.status).toBe('cancelled');
  });
});

describe('pre-order imports: repeats within one chunk', () => {
  it('merges an id repeated within a chunk (a cancellation kept, a placed re-send not reviving it), and the rest of the stream is stored', async () => {
    const rows: Record<string, unknown>[] = preorderRows(tenant, 15_000);
    // All in the first chunk: the third row cancelled, then placed again, and the tenth sent twice.
    rows[100] = { ...rows[2], status: 'cancelled' };
    rows[200] = { ...rows[2], status: 'placed', quantity: 3 };
    rows[300] = { ...rows[9] };
    const before = await placedUnits();
    const first = await postNdjson(app, importPath(), rows);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ rows: 15_000, created: 14_997, updated: 0, unchanged: 3 });
    const stored = await expectData(
      200,
      app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
        params: { path: { dropId: tenant.dropId, preorderId: String(rows[2]!.id) } },
      }),
    );
    expect(stored.status).toBe('cancelled');
    const after = await placedUnits();
    expect(after.placed - before.placed).toBe(14_996);
    expect(after.cancelled - before.cancelled).toBe(1);
    const again = await postNdjson(app, importPath(), rows);
    expect(again.body).toEqual({ rows: 15_000, created: 0, updated: 0, unchanged: 15_000 });
  });
});

describe('pre-order imports: a bad row rejects the whole batch', () => {
  it('writes nothing when only the last row is bad (JSON), naming the row and field', async () => {
    const rows = preorderRows(tenant, 200);
    rows[199] = { ...rows[199]!, quantity: 0 };
    const before = await placedUnits();
    const res = await app.rawRequest('POST', importPath(), { body: { rows } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'unprocessable', rejected_rows: 1, rows: 200 });
    expect(problemIn(res).errors!).toEqual([{ path: 'rows[199].quantity', message: 'must be a positive integer' }]);
    expect(await placedUnits()).toEqual(before);
    expect(
      (
        await answer(
          app.client().GET('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: tenant.dropId, preorderId: rows[0]!.id } },
          }),
        )
      ).status,
    ).toBe(404);
  });

  it('writes nothing when the last row of a 30,000-row stream is bad (several chunks already sent)', async () => {
    const rows: Record<string, unknown>[] = preorderRows(tenant, 30_000);
    rows[29_999] = { ...rows[29_999], region_id: 'nowhere' };
    const before = await placedUnits();
    const res = await postNdjson(app, importPath(), rows);
    expect(res.status).toBe(422);
    expect(problemIn(res).errors!).toEqual([{ path: 'rows[29999].region_id', message: "unknown region 'nowhere'" }]);
    expect(await placedUnits()).toEqual(before);
  });

  it('lists every kind of bad row: unknown SKU, future placed_at, wrong drop, bad JSON, unknown field', async () => {
    const [a, b, c, d] = preorderRows(tenant, 4);
    const body = [
      JSON.stringify({ ...a, sku_id: 'ghost' }),
      JSON.stringify({ ...b, placed_at: '2026-11-23T12:10:00Z' }),
      JSON.stringify({ ...c, drop_id: 'another-drop' }),
      '{not json',
      JSON.stringify({ ...d, colour: 'red' }),
    ].join('\n');
    const res = await app.rawRequest('POST', importPath(), {
      rawBody: body,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(422);
    expect(problemIn(res).errors!.map((e: { path: string }) => e.path)).toEqual([
      'rows[0].sku_id',
      'rows[1].placed_at',
      'rows[2].drop_id',
      'rows[3]',
      'rows[4].colour',
    ]);
  });

  it('accepts placed_at a little ahead of the server clock (within 5 minutes)', async () => {
    const [row] = preorderRows(tenant, 1);
    const res = await app.rawRequest('POST', importPath(), {
      body: { rows: [{ ...row, placed_at: '2026-11-23T12:04:00Z' }] },
    });
    expect(res.status, res.text).toBe(200);
  });

  it('refuses more than 10,000 JSON rows, an empty batch and an unknown media type', async () => {
    const tooMany = await app.rawRequest('POST', importPath(), { body: { rows: preorderRows(tenant, 10_001) } });
    expect(tooMany.status).toBe(400);
    expect(problemIn(tooMany).errors![0]!.path).toBe('rows');
    expect((await app.rawRequest('POST', importPath(), { body: { rows: [] } })).status).toBe(400);
    const xml = await app.rawRequest('POST', importPath(), {
      rawBody: '<rows/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.status).toBe(415);
  });
});

describe('pre-order imports on the database driver', () => {
  it('sent no overlapping queries on one connection in any import above (no driver deprecation)', () => {
    process.off('warning', onWarning);
    expect(deprecations.filter((m) => /already executing a query/.test(m))).toEqual([]);
  });
});
