import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../../../src/jobs/queue';
import type { BacktestRecord } from '../../../../src/modules/forecast/core/nb-mlp-model';
import { simulateHistory } from '../../../../src/modules/forecast/core/simulate-history';
import {
  FORECAST_REFRESH_JOB,
  FORECAST_RETRAIN_JOB,
  forecastJobs,
} from '../../../../src/modules/forecast/forecast.jobs';
import { executeTrainingTask, type TrainingExecutor } from '../../../../src/modules/forecast/model-training';
import { createLogger } from '../../../../src/shared/logger';
import { dropBody, freshId } from '../../../factories/catalog-factory';
import {
  createForecastTenant,
  importDrops,
  seedSignals,
  servicesOn,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';
import { answer } from '../../../harness/answers';

let app: TestApp;
let tenant: ForecastTenant;
let dir: string;
const history = simulateHistory({ drops: 24, regions: 4, creators: 3, newCreators: 1, spanDays: 200 });

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createForecastTenant(app);
  await seedSignals(app, tenant);
  dir = await mkdtemp(join(tmpdir(), 'mf-retrain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await app.close();
});

const scores = (nb: number, base: number, incumbent: number): BacktestRecord => ({
  byLead: {},
  pooled: {
    'nb-mlp': { wape: 0.5, scaledPinball: nb, coverage80: 0.8, rows: 10 },
    baseline: { wape: 0.6, scaledPinball: base, coverage80: 0.7, rows: 10 },
  },
  beatsBaseline: nb < base,
  evaluatedAt: '2026-11-23T03:00:00Z',
  testDrops: 5,
  incumbent: {
    modelId: 'x',
    testDrops: 5,
    incumbent: { wape: 0.5, scaledPinball: incumbent, coverage80: 0.8, rows: 10 },
    candidate: { wape: 0.5, scaledPinball: nb, coverage80: 0.8, rows: 10 },
    beatsIncumbent: nb <= incumbent,
  },
});

/** A one-epoch fit of whatever the run hands over, with a chosen backtest verdict. */
function quickExecutor(verdict: BacktestRecord, seen: { drops: number }[]): TrainingExecutor {
  return async (task, onProgress) => {
    seen.push({ drops: task.set.targets.length });
    const run = await executeTrainingTask({ ...task, config: { epochs: 1, hidden: [4] }, folds: 1 }, onProgress);
    const metadata = { ...run.metadata, backtest: verdict };
    const bytes = new TextEncoder().encode(JSON.stringify(metadata));
    return { files: { ...run.files, 'metadata.json': bytes }, metadata, backtest: verdict };
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
    await answer(
      app.client().PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: closed } },
        body: { ...dropBody(tenant.creatorId, tenant.regionIds), status: 'closed' },
      }),
    );
    const noSkus = freshId('drop');
    await answer(
      app.client().PUT('/v1/drops/{dropId}', {
        params: { path: { dropId: noSkus } },
        body: dropBody(tenant.creatorId, tenant.regionIds),
      }),
    );

    const schedule = { jobs: forecastJobs(app.services.forecast, app.services.models) };
    const scheduler = createJobQueue(app.database.db, schedule.jobs, createLogger('silent'), { workers: false });
    expect(await scheduler.runOnce(FORECAST_REFRESH_JOB)).toBe(true);
    expect(await scheduler.runOnce(FORECAST_REFRESH_JOB)).toBe(true);
    await scheduler.stop();

    const versions = (
      await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: tenant.dropId } } }))
    ).data!.items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(
      (await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: closed } } }))).data!
        .items,
    ).toEqual([]);
    expect(
      (await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId: noSkus } } }))).data!
        .items,
    ).toEqual([]);
  });
});

describe('forecast.retrain (nightly)', () => {
  it('skips with fewer than 20 closed drops in demand_history', async () => {
    const seen: { drops: number }[] = [];
    const services = servicesOn(app, { trainedModelsDir: dir, trainingExecutor: quickExecutor(scores(1, 2, 3), seen) });
    await importDrops(app, history.drops.slice(0, 5));
    expect(await services.models.retrain()).toMatchObject({ skipped: true });
    expect(seen).toEqual([]);
    await services.stop();
  });

  it('trains on demand_history into a new folder and makes it the default only when its backtest wins', async () => {
    const seen: { drops: number }[] = [];
    await importDrops(app, history.drops);
    const winner = servicesOn(app, {
      trainedModelsDir: dir,
      trainingExecutor: quickExecutor(scores(0.8, 1.0, 0.9), seen),
    });
    const result = await winner.models.retrain();
    expect(seen).toEqual([{ drops: 24 }]);
    expect(result).toMatchObject({
      model_id: 'nb-mlp-20261123T120000Z',
      became_default: true,
      scaled_pinball: 0.8,
      baseline_scaled_pinball: 1.0,
    });
    expect((await readdir(join(dir, 'nb-mlp-20261123T120000Z'))).sort()).toEqual([
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    expect((await winner.models.getDefault()).model_id).toBe('nb-mlp-20261123T120000Z');
    const forecast = await winner.forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(forecast).toMatchObject({
      model_id: 'nb-mlp-20261123T120000Z',
      model_kind: 'nb-mlp',
      summary: { model_role: 'default' },
    });
    await winner.stop();

    // The next night's model loses to the incumbent: saved next to it, the default stays.
    app.clock.set('2026-11-24T03:00:00Z');
    const loser = servicesOn(app, {
      trainedModelsDir: dir,
      trainingExecutor: quickExecutor(scores(0.85, 1.0, 0.8), seen),
    });
    const second = await loser.models.retrain();
    app.clock.set('2026-11-23T12:00:00Z');
    expect(second).toMatchObject({ model_id: 'nb-mlp-20261124T030000Z', became_default: false });
    expect((await loser.models.getDefault()).model_id).toBe('nb-mlp-20261123T120000Z');
    expect((await readdir(dir)).sort()).toEqual(['nb-mlp-20261123T120000Z', 'nb-mlp-20261124T030000Z']);
    await loser.stop();
  });

  it('runs through the job queue as a job', async () => {
    const seen: { drops: number }[] = [];
    const jobDir = join(dir, 'job');
    const services = servicesOn(app, {
      trainedModelsDir: jobDir,
      trainingExecutor: quickExecutor(scores(1.2, 1.0, 1), seen),
    });
    const scheduler = createJobQueue(
      app.database.db,
      forecastJobs(services.forecast, services.models),
      createLogger('silent'),
      {
        workers: false,
      },
    );
    expect(await scheduler.runOnce(FORECAST_RETRAIN_JOB)).toBe(true);
    await scheduler.stop();
    expect(seen).toHaveLength(1);
    expect(await readdir(jobDir)).toEqual(['nb-mlp-20261123T120000Z']);
    await services.stop();
  });
});
