import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from '../../../../src/jobs/scheduler';
import { buildLabelledRows } from '../../../../src/modules/forecast/core/dataset';
import { HistoryIndex } from '../../../../src/modules/forecast/core/features';
import { trainNbMlp, type BacktestRecord } from '../../../../src/modules/forecast/core/nb-mlp-model';
import { simulateHistory } from '../../../../src/modules/forecast/core/simulate-history';
import {
  FORECAST_REFRESH_JOB,
  FORECAST_RETRAIN_JOB,
  forecastJobs,
} from '../../../../src/modules/forecast/forecast.jobs';
import { createForecastService } from '../../../../src/modules/forecast/forecast.service';
import type { ModelTrainer } from '../../../../src/modules/forecast/retrain';
import { createLogger } from '../../../../src/shared/logger';
import { dropBody, freshId } from '../../../factories/catalog-factory';
import { createForecastTenant, seedSignals, type ForecastTenant } from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';

let app: TestApp;
let tenant: ForecastTenant;
let dir: string;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createForecastTenant(app);
  await seedSignals(app, tenant);
  dir = await mkdtemp(join(tmpdir(), 'mf-retrain-'));
  await cp('models/nb-mlp-v1', join(dir, 'models', 'nb-mlp-v1'), { recursive: true });
  await writeFile(
    join(dir, 'history.json'),
    JSON.stringify(simulateHistory({ drops: 24, regions: 4, creators: 3, newCreators: 1, spanDays: 200 })),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await app.close();
});

const scores = (nb: number, base: number, beats: boolean): BacktestRecord => ({
  byLead: {},
  pooled: {
    'nb-mlp': { wape: 0.5, scaledPinball: nb, coverage80: 0.8, rows: 10 },
    baseline: { wape: 0.6, scaledPinball: base, coverage80: 0.7, rows: 10 },
  },
  beatsBaseline: beats,
  evaluatedAt: '2026-11-23T03:00:00Z',
  testDrops: 5,
});

/** A one-epoch fit on whatever history the job hands over, with a chosen backtest verdict. */
function quickTrainer(verdict: BacktestRecord, seen: { drops: number }[]): ModelTrainer {
  return async (history, { modelId }) => {
    seen.push({ drops: history.drops.length });
    const data = buildLabelledRows(history.drops, new HistoryIndex(history.drops));
    const model = await trainNbMlp(
      { rows: data.rows, demand: data.demand },
      { epochs: 1, hidden: [4] },
      undefined,
      modelId,
    );
    return { model, backtest: verdict };
  };
}

describe('forecast.refresh (every 15 minutes)', () => {
  it('declares both jobs with their schedules', () => {
    const jobs = app.services.jobs.filter((j) => j.id.startsWith('forecast.'));
    expect(jobs.map((j) => [j.id, j.schedule])).toEqual([
      [FORECAST_REFRESH_JOB, '*/15 * * * *'],
      [FORECAST_RETRAIN_JOB, '0 3 * * *'],
    ]);
  });

  it('adds a forecast version to every scheduled or live drop still open, skipping drops without SKUs', async () => {
    const closed = freshId('drop');
    await app.request('PUT', `/v1/drops/${closed}`, {
      body: { ...dropBody(tenant.creatorId, tenant.regionIds), status: 'closed' },
    });
    const noSkus = freshId('drop');
    await app.request('PUT', `/v1/drops/${noSkus}`, { body: dropBody(tenant.creatorId, tenant.regionIds) });

    const schedule = { jobs: forecastJobs(app.services.forecast) };
    const scheduler = createScheduler(app.database.db, schedule.jobs, createLogger('silent'));
    expect(await scheduler.runOnce(FORECAST_REFRESH_JOB)).toBe(true);
    expect(await scheduler.runOnce(FORECAST_REFRESH_JOB)).toBe(true);
    await scheduler.stop();

    const versions = (await app.request('GET', `/v1/drops/${tenant.dropId}/forecasts`)).body.items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await app.request('GET', `/v1/drops/${closed}/forecasts`)).body.items).toEqual([]);
    expect((await app.request('GET', `/v1/drops/${noSkus}/forecasts`)).body.items).toEqual([]);
  });
});

describe('forecast.retrain (nightly)', () => {
  it('saves the retrained model and makes it the default when its backtest beats the baseline', async () => {
    const seen: { drops: number }[] = [];
    const modelsDir = join(dir, 'models');
    const service = createForecastService(app.database.db, {
      catalog: app.services.catalog,
      clock: app.clock,
      logger: createLogger('silent'),
      modelsDir,
      priorHistoryPath: join(dir, 'history.json'),
      trainer: quickTrainer(scores(0.8, 1.0, true), seen),
    });
    const result = await service.retrain();
    expect(seen).toEqual([{ drops: 24 }]);
    expect(result).toMatchObject({
      model_id: 'nb-mlp-20261123T120000Z',
      became_default: true,
      scaled_pinball: 0.8,
      baseline_scaled_pinball: 1.0,
    });
    expect((await readdir(join(modelsDir, result.model_id))).sort()).toEqual([
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    const pointer = JSON.parse(await readFile(join(modelsDir, 'default-model.json'), 'utf8'));
    expect(pointer).toMatchObject({ model_id: result.model_id, scaled_pinball: 0.8 });
    const meta = JSON.parse(await readFile(join(modelsDir, result.model_id, 'metadata.json'), 'utf8'));
    expect(meta.backtest.beatsBaseline).toBe(true);

    // A creator with history is served by the new default; a new creator by the shipped prior.
    await service.importHistory({
      text: JSON.stringify([
        {
          drop_id: 'past-1',
          creator_id: tenant.creatorId,
          sku_id: 'past-sku',
          region_id: tenant.regionIds[0],
          opens_at: '2026-01-01T00:00:00Z',
          closes_at: '2026-01-02T00:00:00Z',
          price: 30,
          realised_demand: 10,
        },
      ]),
      format: 'json',
    });
    const withHistory = await service.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(withHistory).toMatchObject({
      model_id: result.model_id,
      model_kind: 'nb-mlp',
      summary: { model_role: 'default', creator_past_drops: 1 },
    });

    // The next night's model does not beat the baseline: saved, but the default stays.
    app.clock.set('2026-11-24T03:00:00Z');
    const second = await createForecastService(app.database.db, {
      catalog: app.services.catalog,
      clock: app.clock,
      logger: createLogger('silent'),
      modelsDir,
      priorHistoryPath: join(dir, 'history.json'),
      trainer: quickTrainer(scores(1.2, 1.0, false), seen),
    }).retrain();
    app.clock.set('2026-11-23T12:00:00Z');
    expect(second).toMatchObject({ model_id: 'nb-mlp-20261124T030000Z', became_default: false });
    expect(seen[1]).toEqual({ drops: 25 }); // the prior history plus the imported drop
    expect(JSON.parse(await readFile(join(modelsDir, 'default-model.json'), 'utf8')).model_id).toBe(result.model_id);
    await service.models.dispose();
  });

  it('runs through the scheduler as a job', async () => {
    const seen: { drops: number }[] = [];
    const service = createForecastService(app.database.db, {
      catalog: app.services.catalog,
      clock: app.clock,
      logger: createLogger('silent'),
      modelsDir: join(dir, 'job-models'),
      priorHistoryPath: join(dir, 'history.json'),
      trainer: quickTrainer(scores(1.2, 1.0, false), seen),
    });
    const schedule = { jobs: forecastJobs(service) };
    const scheduler = createScheduler(app.database.db, schedule.jobs, createLogger('silent'));
    expect(await scheduler.runOnce(FORECAST_RETRAIN_JOB)).toBe(true);
    await scheduler.stop();
    expect(seen).toHaveLength(1);
    expect(await readdir(join(dir, 'job-models'))).toEqual(['nb-mlp-20261123T120000Z']);
  });
});
