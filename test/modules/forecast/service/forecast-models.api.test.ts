import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_MODEL_ID } from '../../../../src/modules/forecast/core/model-registry';
import { simulateHistory } from '../../../../src/modules/forecast/core/simulate-history';
import { createKey } from '../../../factories/catalog-factory';
import {
  createForecastTenant,
  expectWellFormedCells,
  importDrops,
  seedSignals,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';
import { createWorkerPool } from '../../../../src/shared/worker-pool';
import type { operations } from '../../../../src/client';
import { answer, problemIn } from '../../../harness/answers';

let app: TestApp;
let tenant: ForecastTenant;
let other: ForecastTenant;

beforeAll(async () => {
  // Real worker threads, as the service runs them: training must not run on the request thread.
  app = await startTestApp({ workers: await createWorkerPool({ threads: 1 }) });
  tenant = await createForecastTenant(app);
  other = await createForecastTenant(app);
  await seedSignals(app, tenant);
});
afterAll(() => app.close());

/** The model read back raw from the job's result_url. */
type ModelRead = { backtest: { test_drops: number; incumbent: { model_id: string } }; is_default: boolean };
type ForecastRequest = NonNullable<operations['runForecast']['requestBody']>['content']['application/json'];
const forecast = (body?: ForecastRequest, key?: string) =>
  answer(app.client(key).POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } }, body }));
const cellOf = (res: Awaited<ReturnType<typeof forecast>>, r: string, s: string) =>
  res.data!.cells.find((c) => c.region_id === r && c.sku_id === s) as unknown as {
    quantiles: number[];
    features: Record<string, number>;
  };

describe('a forecast request may name its model (defect 5)', () => {
  it('serves the baseline when asked for it', async () => {
    const res = await forecast({ model: 'baseline' }, tenant.keys.creator);
    expect(res.status, res.text).toBe(201);
    expect(res.data).toMatchObject({ model_kind: 'baseline', model_id: 'baseline' });
    expect(res.data!.summary).toMatchObject({ model_role: 'requested', model_dir: 'baseline', fallback_reason: null });
    expectWellFormedCells(res.data!.cells);
  });

  it('serves the default for `default` or no model, and a model by its id', async () => {
    for (const body of [undefined, {}, { model: 'default' }]) {
      const res = await forecast(body);
      expect(res.status, res.text).toBe(201);
      expect(res.data).toMatchObject({ model_kind: 'nb-mlp', model_id: SHIPPED_MODEL_ID });
      expect(res.data!.summary.model_role).toBe('default');
    }
    const named = await forecast({ model: SHIPPED_MODEL_ID });
    expect(named.data).toMatchObject({ model_id: SHIPPED_MODEL_ID, summary: { model_role: 'requested' } });
  });

  it('answers 422 for an unknown model, naming it, and stores nothing', async () => {
    const before = (
      await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data!.items.length;
    const res = await forecast({ model: 'nb-mlp-nope' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.error).toMatchObject({ code: 'unprocessable', reason: 'unknown_model' });
    expect(res.error!.errors).toEqual([{ path: 'model', message: "unknown model 'nb-mlp-nope'" }]);
    expect(
      (await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } })))
        .data!.items,
    ).toHaveLength(before);
  });

  it('refuses a model in the query and unknown body members (400), instead of ignoring them', async () => {
    // A query parameter and a body member the contract does not have, sent raw.
    const query = await app.rawRequest('POST', `/v1/drops/${tenant.dropId}/forecasts?model=baseline`);
    expect(query.status).toBe(400);
    expect(problemIn(query).errors![0]!.path).toBe('model');
    const typo = await app.rawRequest('POST', `/v1/drops/${tenant.dropId}/forecasts`, { body: { modle: 'baseline' } });
    expect(typo.status).toBe(400);
    expect(problemIn(typo).errors![0]!.path).toBe('modle');
  });
});

describe('as_of on POST /v1/drops/{dropId}/forecasts (defect 6)', () => {
  it('ignores signals after as_of and counts the lead from it', async () => {
    const asOf = '2026-11-21T00:00:00.000Z';
    const res = await forecast({ as_of: asOf, model: 'baseline' });
    expect(res.status, res.text).toBe(201);
    expect(res.data!.as_of).toBe(asOf);
    expect(res.data!.lead_days).toBeCloseTo((Date.parse('2026-12-03T17:00:00Z') - Date.parse(asOf)) / 86_400_000, 6);
    const [r0, r1] = tenant.regionIds as [string, string];
    const [s0, s1] = tenant.skuIds as [string, string];
    // As of the 21st: 5 pre-orders (the 3 of the 23rd not yet), views 1000 (not 2500), 10 holders (not 12).
    expect(cellOf(res, r0, s0).features.log_preorders_cell).toBeCloseTo(Math.log1p(5), 4);
    expect(cellOf(res, r0, s0).features.social_tiktok_views).toBeCloseTo(Math.log1p(1000), 4);
    expect(cellOf(res, r0, s0).features.log_holders_region).toBeCloseTo(Math.log1p(10), 4);
    expect(cellOf(res, r1, s1).features.log_preorders_cell).toBe(0); // placed on the 22nd
    expect(res.data!.summary.preorders).toBe(5);
    // Before any signal at all: prior only, and the social and holder kinds are missing.
    const early = await forecast({ as_of: '2026-11-01T00:00:00Z' });
    expect(early.data!.prior_only).toBe(true);
    expect(cellOf(early, r0, s0).features).toMatchObject({ has_social: 0, has_token_holders: 0 });
  });

  it('refuses an as_of in the future or not an instant (400)', async () => {
    expect((await forecast({ as_of: '2027-01-01T00:00:00Z' })).status).toBe(400);
    expect((await forecast({ as_of: 'yesterday' })).status).toBe(400);
  });
});

describe('the model registry (admin)', () => {
  it('lists the shipped model with its training data and backtest, and the baseline', async () => {
    const res = await answer(app.client().GET('/v1/models'));
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ default_model_id: SHIPPED_MODEL_ID, pinned: false });
    const shipped = res.data!.items.find((m: { id: string }) => m.id === SHIPPED_MODEL_ID);
    expect(shipped).toMatchObject({
      kind: 'nb-mlp',
      location: 'shipped',
      servable: true,
      is_default: true,
      training: { source: 'simulated', drops: 340, population: { demand_history: true, prior: true } },
      backtest: { beats_baseline: true },
    });
    expect(shipped!.backtest!.by_lead['3']!['nb-mlp']!.scaled_pinball).toBeLessThan(
      shipped!.backtest!.by_lead['3']!.baseline!.scaled_pinball,
    );
    expect(res.data!.items.at(-1)).toMatchObject({ id: 'baseline', kind: 'baseline', servable: true });
  });

  it('answers 404 to every other role', async () => {
    for (const key of Object.values(tenant.keys)) {
      expect((await answer(app.client(key).GET('/v1/models'))).status).toBe(404);
      expect((await answer(app.client(key).POST('/v1/models/train', { body: {} }))).status).toBe(404);
      expect(
        (
          await answer(
            app.client(key).POST('/v1/models/{modelId}/promote', { params: { path: { modelId: 'baseline' } } }),
          )
        ).status,
      ).toBe(404);
    }
  });

  it('promotes, pins, unpins and rolls back the default; forecasts follow it', async () => {
    const promoted = await answer(
      app.client().POST('/v1/models/{modelId}/promote', {
        params: { path: { modelId: 'baseline' } },
        body: { pin: true, reason: 'test' },
      }),
    );
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.data).toMatchObject({ model_id: 'baseline', pinned: true });
    expect((await forecast()).data).toMatchObject({ model_kind: 'baseline', summary: { model_role: 'default' } });
    const unpinned = await answer(app.client().POST('/v1/models/default/unpin'));
    expect(unpinned.data).toMatchObject({ model_id: 'baseline', pinned: false });
    const back = await answer(app.client().POST('/v1/models/default/rollback'));
    expect(back.status, back.text).toBe(200);
    expect(back.data).toMatchObject({ model_id: SHIPPED_MODEL_ID, pinned: false });
    expect(back.data!.history.map((c: { action: string }) => c.action)).toEqual(['rollback', 'unpin', 'pin']);
    expect((await forecast()).data!.model_id).toBe(SHIPPED_MODEL_ID);
    expect(
      (
        await answer(
          app.client().POST('/v1/models/{modelId}/promote', { params: { path: { modelId: 'nb-mlp-nope' } } }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await answer(app.client().GET('/v1/models/{modelId}', { params: { path: { modelId: 'nb-mlp-nope' } } }))).status,
    ).toBe(404);
    expect(
      (
        await answer(
          app.client().POST('/v1/models/{modelId}/promote', {
            params: { path: { modelId: 'baseline' } },
            body: { pinned: true },
          }),
        )
      ).status,
    ).toBe(400);
  });
});

describe('POST /v1/models/train (a job)', () => {
  it('refuses fewer than 20 drops with 422, naming the count, before any job exists', async () => {
    const res = await answer(app.client().POST('/v1/models/train', { body: {} }));
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ reason: 'too_few_drops', drops: 0, minimum: 20 });
    expect(res.error!.detail).toContain('has 0');
  });

  it('trains on demand_history in a worker thread: 202, a job with progress, then the model with its own backtest', async () => {
    await importDrops(
      app,
      simulateHistory({ drops: 24, regions: 4, creators: 3, newCreators: 1, spanDays: 200 }).drops,
    );
    const res = await answer(app.client().POST('/v1/models/train', { body: { epochs: 2 } }));
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${res.data!.id}`);
    expect(res.data).toMatchObject({ kind: 'model.train', result_url: null, error: null });
    expect(['queued', 'running']).toContain(res.data!.state);

    const seen: number[] = [];
    let job = res.data!;
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(job.state); i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await answer(app.client().GET('/v1/jobs/{jobId}', { params: { path: { jobId: res.data!.id } } }))).data!;
      seen.push(job.progress);
    }
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.progress).toBe(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // progress never goes backwards
    expect(job.result_url).toMatch(/^\/v1\/models\/nb-mlp-20261123T120000Z$/);

    const model = await app.rawRequest('GET', job.result_url!);
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({
      location: 'trained',
      training: {
        source: 'demand_history',
        drops: 24,
        prior_drops: 0,
        population: { demand_history: true, prior: false },
      },
    });
    expect((model.body as ModelRead).backtest.test_drops).toBeGreaterThan(0);
    expect((model.body as ModelRead).backtest.incumbent.model_id).toBe(SHIPPED_MODEL_ID);
    expect(job.result!.became_default).toBe((model.body as ModelRead).is_default);

    // Only the tenant that started it (admin here) sees the job.
    expect(
      (
        await answer(
          app.client(other.keys.creator).GET('/v1/jobs/{jobId}', { params: { path: { jobId: res.data!.id } } }),
        )
      ).status,
    ).toBe(404);
    const partnerAdmin = await createKey(app, { role: 'partner', partner_id: tenant.partnerId });
    expect(
      (await answer(app.client(partnerAdmin).GET('/v1/jobs/{jobId}', { params: { path: { jobId: res.data!.id } } })))
        .status,
    ).toBe(404);
    expect(
      (await answer(app.client().GET('/v1/jobs/{jobId}', { params: { path: { jobId: 'job_nope' } } }))).status,
    ).toBe(404);
  });
});
