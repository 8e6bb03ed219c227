import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../harness/test-app';
import {
  createTenant,
  dropBody,
  freshId,
  hubBody,
  skuBody,
  supplierBody,
  type Tenant,
} from '../../factories/catalog-factory';
import { answer, problemIn } from '../../harness/answers';

let app: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
});
afterAll(() => app.close());

describe('catalog: happy paths', () => {
  it('creates a hub with 201 and reads it back with its lanes in lane order', async () => {
    const id = freshId('hub');
    const body = hubBody(tenant.partnerId, [...tenant.regionIds].reverse());
    const created = await answer(app.client().PUT('/v1/hubs/{hubId}', { params: { path: { hubId: id } }, body }));
    expect(created.status).toBe(201);
    const read = await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: id } } }));
    expect(read.status).toBe(200);
    expect(read.data!.lanes.map((l: { region_id: string }) => l.region_id)).toEqual([...tenant.regionIds].reverse());
    expect(read.data).toMatchObject({
      capacity_units: 500,
      order_cutoff_local: '15:00',
      operator_partner_id: tenant.partnerId,
    });
  });

  it('replays a PUT three times and leaves the same state, updated_at included', async () => {
    const id = freshId('supplier');
    const first = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId: id } }, body: supplierBody() }),
    );
    const second = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId: id } }, body: supplierBody() }),
    );
    const third = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId: id } }, body: supplierBody() }),
    );
    expect([first.status, second.status, third.status]).toEqual([201, 200, 200]);
    expect(third.data).toEqual(first.data);
  });

  it('replaces a resource on a changed PUT', async () => {
    const id = freshId('supplier');
    await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', { params: { path: { supplierId: id } }, body: supplierBody() }),
    );
    const changed = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', {
        params: { path: { supplierId: id } },
        body: { ...supplierBody(), capacity_units: 42 },
      }),
    );
    expect(changed.status).toBe(200);
    expect(changed.data!.capacity_units).toBe(42);
    const listed = await answer(app.client().GET('/v1/suppliers'));
    expect(listed.data!.items.filter((s: { id: string }) => s.id === id)).toHaveLength(1);
  });

  it('stores a SKU with its sourcing in priority order and dates as dates', async () => {
    const res = await answer(
      app
        .client()
        .GET('/v1/drops/{dropId}/skus/{skuId}', { params: { path: { dropId: tenant.dropId, skuId: tenant.skuId } } }),
    );
    expect(res.status).toBe(200);
    expect(res.data!.sourcing).toEqual([
      { supplier_id: tenant.supplierId, units_available: 800, available_on: '2026-11-30' },
    ]);
  });

  it('normalises postal prefixes and refuses one already mapped to another region', async () => {
    const a = freshId('region');
    const prefix = `Q${a.slice(-5)}`;
    const created = await answer(
      app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: a } },
        body: { name: 'A', time_zone: 'Europe/London', postal_prefixes: [prefix.toLowerCase()] },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.data!.postal_prefixes).toEqual([prefix.toUpperCase()]);
    const clash = await answer(
      app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: freshId('region') } },
        body: { name: 'B', time_zone: 'Europe/London', postal_prefixes: [prefix] },
      }),
    );
    expect(clash.status).toBe(409);
    expect(clash.error!.errors![0]!.path).toBe('postal_prefixes[0]');
  });
});

describe('catalog: bad input names the field and writes nothing', () => {
  it('refuses malformed JSON with 400 problem+json', async () => {
    const res = await app.rawRequest('PUT', `/v1/creators/${freshId('c')}`, { rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      code: 'bad_request',
      status: 400,
      title: expect.any(String),
      detail: expect.stringContaining('JSON'),
    });
  });

  it('refuses wrong types, unknown fields and negative capacities, listing every path', async () => {
    const id = freshId('hub');
    // A body the contract forbids, sent raw.
    const res = await app.rawRequest('PUT', `/v1/hubs/${id}`, {
      body: { ...hubBody(tenant.partnerId, tenant.regionIds), capacity_units: -5, handling_days: 'one', colour: 'red' },
    });
    expect(res.status).toBe(400);
    const problem = problemIn(res);
    expect(problem.code).toBe('validation_failed');
    const paths = problem.errors!.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['capacity_units', 'handling_days', 'colour']));
    expect((await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: id } } }))).status).toBe(404);
  });

  it('refuses a lane to an unknown region with 422 naming the lane, and writes nothing', async () => {
    const id = freshId('hub');
    const res = await answer(
      app.client().PUT('/v1/hubs/{hubId}', {
        params: { path: { hubId: id } },
        body: hubBody(tenant.partnerId, [tenant.regionIds[0]!, 'nowhere-region']),
      }),
    );
    expect(res.status).toBe(422);
    expect(res.error!.errors).toEqual([{ path: 'lanes[1].region_id', message: "unknown region 'nowhere-region'" }]);
    expect((await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: id } } }))).status).toBe(404);
  });

  it('keeps the old hub whole when a replacement is refused', async () => {
    const res = await answer(
      app.client().PUT('/v1/hubs/{hubId}', {
        params: { path: { hubId: tenant.hubId } },
        body: { ...hubBody(tenant.partnerId, ['nowhere-region']), capacity_units: 1 },
      }),
    );
    expect(res.status).toBe(422);
    const hub = await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId: tenant.hubId } } }));
    expect(hub.data!.capacity_units).toBe(500);
    expect(hub.data!.lanes).toHaveLength(2);
  });

  it('refuses a drop that closes before it opens', async () => {
    const res = await answer(
      app.client().PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: freshId('drop') } },
        body: { ...dropBody(tenant.creatorId, tenant.regionIds), closes_at: '2026-12-01T00:00:00Z' },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.error!.errors).toEqual([{ path: 'closes_at', message: 'must be after opens_at' }]);
  });

  it('refuses a supplier whose minimum lead time exceeds its maximum', async () => {
    const res = await answer(
      app.client().PUT('/v1/suppliers/{supplierId}', {
        params: { path: { supplierId: freshId('s') } },
        body: { ...supplierBody(), lead_time_days_min: 9, lead_time_days_max: 3 },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.error!.errors!.map((e: { path: string }) => e.path)).toEqual(['lead_time_days_max']);
  });

  it('refuses sourcing from an unknown supplier with 422 and an unknown time zone with 400', async () => {
    const sku = await answer(
      app.client().PUT('/v1/drops/{dropId}/skus/{skuId}', {
        params: { path: { dropId: tenant.dropId, skuId: freshId('sku') } },
        body: {
          ...skuBody(tenant.supplierId),
          sourcing: [
            ...skuBody(tenant.supplierId).sourcing,
            { supplier_id: 'ghost', units_available: 1, available_on: '2026-12-01' },
          ],
        },
      }),
    );
    expect(sku.status).toBe(422);
    expect(sku.error!.errors![0]!.path).toBe('sourcing[1].supplier_id');
    const region = await answer(
      app.client().PUT('/v1/regions/{regionId}', {
        params: { path: { regionId: freshId('r') } },
        body: { name: 'X', time_zone: 'Mars/Olympus' },
      }),
    );
    expect(region.status).toBe(400);
    expect(region.error!.errors![0]!.path).toBe('time_zone');
  });

  it('refuses a malformed path id with 400 naming the parameter', async () => {
    const res = await answer(
      app
        .client()
        .PUT('/v1/creators/{creatorId}', { params: { path: { creatorId: 'bad%20id!' } }, body: { name: 'x' } }),
    );
    expect(res.status).toBe(400);
    expect(res.error!.errors![0]!.path).toBe('creatorId');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await app.rawRequest('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const outside = await app.rawRequest('GET', '/not-an-api', { key: null });
    expect(outside.status).toBe(404);
    expect(problemIn(outside).code).toBe('not_found');
  });
});

describe('catalog: map coordinates of regions and hubs (issue 19)', () => {
  it('stores optional coordinates, reads null without them, and clears them when a PUT leaves them out', async () => {
    const regionId = freshId('XX');
    const region = { name: 'Somewhere', time_zone: 'Europe/Paris', latitude: 48.8566, longitude: 2.3522 };
    expect(
      (await answer(app.client().PUT('/v1/regions/{regionId}', { params: { path: { regionId } }, body: region })))
        .status,
    ).toBe(201);
    const read = await answer(app.client().GET('/v1/regions/{regionId}', { params: { path: { regionId } } }));
    expect(read.data).toMatchObject({ latitude: 48.8566, longitude: 2.3522 });
    // A replay writes nothing; a PUT without coordinates replaces them with null.
    const replay = await answer(
      app.client().PUT('/v1/regions/{regionId}', { params: { path: { regionId } }, body: region }),
    );
    expect(replay.status).toBe(200);
    expect(replay.data!.updated_at).toBe(read.data!.updated_at);
    const { latitude: _la, longitude: _lo, ...without } = region;
    const cleared = await answer(
      app.client().PUT('/v1/regions/{regionId}', { params: { path: { regionId } }, body: without }),
    );
    expect(cleared.data).toMatchObject({ latitude: null, longitude: null });
    expect(
      (await answer(app.client().GET('/v1/regions'))).data!.items.find((r: { id: string }) => r.id === regionId),
    ).toMatchObject({ latitude: null, longitude: null });

    const hubId = freshId('hub');
    const hub = { ...hubBody(tenant.partnerId, tenant.regionIds), latitude: 40.69, longitude: -74.17 };
    expect(
      (await answer(app.client().PUT('/v1/hubs/{hubId}', { params: { path: { hubId } }, body: hub }))).status,
    ).toBe(201);
    expect((await answer(app.client().GET('/v1/hubs/{hubId}', { params: { path: { hubId } } }))).data).toMatchObject({
      latitude: 40.69,
      longitude: -74.17,
    });
    const plain = await answer(
      app
        .client()
        .PUT('/v1/hubs/{hubId}', { params: { path: { hubId } }, body: hubBody(tenant.partnerId, tenant.regionIds) }),
    );
    expect(plain.data).toMatchObject({ latitude: null, longitude: null });
  });

  it('refuses a latitude without a longitude, and coordinates off the globe, naming the field', async () => {
    const regionId = freshId('XX');
    const cases: [Record<string, unknown>, string][] = [
      [{ latitude: 10 }, 'longitude'],
      [{ longitude: 10 }, 'latitude'],
      [{ latitude: 91, longitude: 0 }, 'latitude'],
      [{ latitude: 0, longitude: -180.5 }, 'longitude'],
      [{ latitude: '10', longitude: 0 }, 'latitude'],
    ];
    for (const [coords, path] of cases) {
      const res = await answer(
        app.client().PUT('/v1/regions/{regionId}', {
          params: { path: { regionId } },
          body: { name: 'R', time_zone: 'Europe/Paris', ...coords },
        }),
      );
      expect(res.status, JSON.stringify(coords)).toBe(400);
      expect(res.error!.errors!.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await answer(app.client().GET('/v1/regions/{regionId}', { params: { path: { regionId } } }))).status).toBe(
      404,
    );
    const hub = await answer(
      app.client().PUT('/v1/hubs/{hubId}', {
        params: { path: { hubId: freshId('hub') } },
        body: { ...hubBody(tenant.partnerId, tenant.regionIds), latitude: 40 },
      }),
    );
    expect(hub.status).toBe(400);
    expect(hub.error!.errors!.map((e: { path: string }) => e.path)).toEqual(['longitude']);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness, metrics, the spec and the docs page', async () => {
    expect((await answer(app.client(null).GET('/healthz'))).data).toEqual({ status: 'ok' });
    expect((await answer(app.client(null).GET('/readyz'))).data).toEqual({
      status: 'ok',
      database: app.database.engine,
    });
    const metrics = await app.rawRequest('GET', '/metrics', { key: null });
    expect(metrics.text).toContain('http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/route="\/v1\/hubs\/:hubId",status="200"/);
    expect((await app.rawRequest('GET', '/openapi.yaml', { key: null })).text).toContain('openapi: 3.1.0');
    const docs = await app.rawRequest('GET', '/docs', { key: null });
    expect(docs.text).toContain('swagger-ui');
    expect((await app.rawRequest('GET', '/docs/assets/swagger-ui-bundle.js', { key: null })).status).toBe(200);
  });

  it('echoes a caller request id in the header and in problems', async () => {
    const res = await app.rawRequest('GET', '/v1/hubs/none', { headers: { 'x-request-id': 'req-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    expect(problemIn(res).request_id).toBe('req-abc-123');
  });
});
